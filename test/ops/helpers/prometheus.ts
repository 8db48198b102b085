/** Read a Prometheus text exposition into exact values a test can assert on. */

/** Samples by `name{label="v",...}` (labels sorted), as numbers. */
export type Samples = Map<string, number>;

const FLOAT = /^(?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|NaN|[-+]Inf)$/;

/** Parse the text format (comments skipped). */
export function parseExposition(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable metrics line: ${line}`);
    const [, name, labels, value] = match as unknown as [string, string, string | undefined, string];
    // The text format's floats: prom-client once printed NaN as `Nan`, which strict parsers refuse.
    if (!FLOAT.test(value)) throw new Error(`not a Prometheus float: ${line}`);
    samples.set(sampleKey(name, parseLabels(labels ?? '')), Number(value));
  }
  return samples;
}

/** The key of a sample: `name` or `name{a="1",b="2"}` with labels sorted. */
export function sampleKey(name: string, labels: Record<string, string> = {}): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return name;
  return `${name}{${keys.map((k) => `${k}="${labels[k]}"`).join(',')}}`;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1] as string] = m[2] as string;
  return labels;
}

/** Fetch and parse `/metrics`. */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Samples> {
  const res = await fetch(url, { headers });
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return parseExposition(await res.text());
}

/** The value of one sample; throws when absent, so a typo cannot pass as zero. */
export function value(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  const key = sampleKey(name, labels);
  const v = samples.get(key);
  if (v === undefined) throw new Error(`no sample ${key}`);
  return v;
}

/**
 * Writes the README's configuration table from the option table in src/config.ts, between the
 * `<!-- config-table:start -->` and `<!-- config-table:end -->` markers. Run `npm run docs:config`
 * after adding an option; test/unit/readme-config.test.ts fails while the README is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import prettier from 'prettier';
import { OPTIONS, envName, formatDefault, type OptionSpec } from '../src/config.js';

/** The markers around the generated table in README.md. */
export const TABLE_START = '<!-- config-table:start -->';
export const TABLE_END = '<!-- config-table:end -->';

const README = fileURLToPath(new URL('../README.md', import.meta.url));

/** What values an option takes, as shown in the table. */
function accepted(spec: OptionSpec): string {
  switch (spec.type) {
    case 'integer':
      return `integer ${spec.min}–${spec.max}`;
    case 'enum':
      return spec.values.map((v) => `\`${v}\``).join(', ');
    case 'boolean':
      return '`true` / `false`';
    case 'list':
      return 'comma-separated list';
    default:
      return 'string';
  }
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The configuration table as formatted Markdown (prettier's output, so `prettier --check` agrees). */
export async function renderConfigTable(): Promise<string> {
  const rows = [
    '| Flag | Environment | Default | Accepts | Description |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [flag, spec] of Object.entries(OPTIONS) as [string, OptionSpec][]) {
    rows.push(
      `| \`--${flag}\` | \`${envName(flag)}\` | \`${cell(formatDefault(spec))}\` | ${cell(accepted(spec))} | ${cell(spec.description)} |`,
    );
  }
  const options = (await prettier.resolveConfig(README)) ?? {};
  return (await prettier.format(rows.join('\n'), { ...options, parser: 'markdown' })).trimEnd();
}

/** The table currently between the markers of `readme`, or `null` when the markers are missing. */
export function currentConfigTable(readme: string): string | null {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end === -1 || end < start) return null;
  return readme.slice(start + TABLE_START.length, end).trim();
}

/** `readme` with the generated table between the markers. */
export async function withConfigTable(readme: string): Promise<string> {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end === -1 || end < start) {
    throw new Error(`README.md needs the markers ${TABLE_START} and ${TABLE_END}`);
  }
  const table = await renderConfigTable();
  return `${readme.slice(0, start + TABLE_START.length)}\n\n${table}\n\n${readme.slice(end)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const before = readFileSync(README, 'utf8');
  const after = await withConfigTable(before);
  if (after !== before) writeFileSync(README, after);
  console.log(
    after === before ? 'README.md: configuration table up to date' : 'README.md: configuration table updated',
  );
}

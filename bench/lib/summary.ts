/**
 * Turns per-round measurements into medians, the headline table (with ratios against the raw
 * forwarder and PeerJS server) and the verdict on each target of issue 8.
 */
import { median } from './stats.js';
import type { ServerId } from './servers.js';

/** Every measurement of a run: scenario → server → metric → one value per round. */
export type RunData = Record<string, Partial<Record<ServerId, Record<string, number[]>>>>;

/** Medians of a run: scenario → server → metric → median. */
export type Medians = Record<string, Partial<Record<ServerId, Record<string, number>>>>;

/** Medians over the rounds. */
export function medians(data: RunData): Medians {
  const out: Medians = {};
  for (const [scenario, servers] of Object.entries(data)) {
    out[scenario] = {};
    for (const [server, metrics] of Object.entries(servers)) {
      const m: Record<string, number> = {};
      for (const [name, values] of Object.entries(metrics ?? {})) m[name] = median(values);
      out[scenario][server as ServerId] = m;
    }
  }
  return out;
}

/** One row of the headline table. */
export interface Row {
  label: string;
  unit: string;
  values: Partial<Record<ServerId, number>>;
  /** Decimals to show. */
  digits: number;
  /** Ratios are shown for rows where "relative to the baseline" means something. */
  ratios: boolean;
}

const get = (m: Medians, scenario: string, server: ServerId, metric: string) =>
  m[scenario]?.[server]?.[metric];

/** The headline rows, in order. */
export function rows(m: Medians): Row[] {
  // `against` (another checkout, --against) appears only in A/B runs.
  const servers = ['signalroom', 'against', 'raw', 'naive', 'peerjs'] as ServerId[];
  const row = (
    label: string,
    unit: string,
    scenario: string,
    metric: string,
    digits: number,
    ratios = true,
  ): Row => {
    const values: Partial<Record<ServerId, number>> = {};
    for (const s of servers) {
      const v = get(m, scenario, s, metric);
      if (v !== undefined) values[s] = v;
    }
    return { label, unit, values, digits, ratios };
  };
  const list = [
    row('Server CPU per relayed message (saturated)', 'µs', 'relay', 'cpuPerMsgUs', 1),
    row('Relay throughput at saturation', 'msg/s', 'relay', 'throughput', 0),
    row('Server write system calls per relayed message', '', 'relay', 'writesPerMsg', 2),
    row('Server CPU share at saturation', 'cores', 'relay', 'serverCpuShare', 2),
    row('Server CPU per relayed message at 5k msg/s', 'µs', 'relay', 'cpuPerMsgUs_5000', 1),
  ];
  for (const rate of [1000, 5000, 20000]) {
    list.push(row(`Latency p50 at ${rate / 1000}k msg/s`, 'ms', 'relay', `p50_${rate}`, 2));
    list.push(row(`Latency p99 at ${rate / 1000}k msg/s`, 'ms', 'relay', `p99_${rate}`, 2));
    list.push(row(`Latency max at ${rate / 1000}k msg/s`, 'ms', 'relay', `max_${rate}`, 1));
  }
  list.push(
    row('Server GC pauses during the 20k msg/s phase', 'ms', 'relay', 'gcMs_20000', 0),
    row('Longest server GC pause at 20k msg/s', 'ms', 'relay', 'gcMaxMs_20000', 1),
  );
  list.push(
    row('RSS per idle identified, joined connection', 'KiB', 'capacity', 'rssPerConnKiB', 2),
    row('Heap + external per idle connection', 'KiB', 'capacity', 'heapPerConnKiB', 2),
    row('Idle connections held', '', 'capacity', 'connected', 0, false),
    row('Connections opened (and identified, joined) per second', '/s', 'capacity', 'connPerSec', 0),
    row('Join storm: time to a consistent view', 'ms', 'storm', 'consistentMs', 0),
    row('Join storm: server CPU', 'ms', 'storm', 'serverCpuMs', 0),
    row('Join storm: load generator CPU', 'ms', 'storm', 'generatorCpuMs', 0),
    row('Join storm: server write system calls', '', 'storm', 'serverWrites', 0),
    row('Join storm: peers missing a view', '', 'storm', 'incomplete', 0, false),
    row('Mesh join (50 peers): every signal delivered', 'ms', 'mesh', 'meshJoinMs', 0),
    row('Mesh join: signals refused', '', 'mesh', 'refused', 0, false),
    row('Mesh join: server CPU', 'ms', 'mesh', 'serverCpuMs', 0),
    row('Churn: server CPU per session', 'µs', 'churn', 'cpuPerSessionUs', 0),
    row('Churn: sessions completed', '', 'churn', 'sessions', 0, false),
  );
  for (const where of ['same', 'cross'] as const) {
    const on = where === 'same' ? 'one node' : 'two nodes';
    list.push(
      row(`Redis cluster, pair on ${on}: throughput`, 'msg/s', 'cross-node', `throughput_${where}`, 0, false),
      row(
        `Redis cluster, pair on ${on}: CPU per message`,
        'µs',
        'cross-node',
        `cpuPerMsgUs_${where}`,
        1,
        false,
      ),
      row(`Redis cluster, pair on ${on}: p99 at 5k msg/s`, 'ms', 'cross-node', `p99_5000_${where}`, 2, false),
    );
  }
  list.push(
    row(
      'Redis CPU per relay, pair on two nodes (saturated)',
      'µs',
      'cross-node',
      'redisUsPerMsg_cross',
      2,
      false,
    ),
  );
  for (const [topology, on] of [
    ['single', 'one Redis'],
    ['cluster', '3-shard cluster (sum)'],
  ] as const) {
    list.push(
      row(
        `Redis CPU per cross-node relay at 5k msg/s, ${on}`,
        'µs',
        'redis',
        `${topology}_redisUsPerRelay_5000`,
        1,
        false,
      ),
      row(
        `Redis CPU per cross-node relay saturated, ${on}`,
        'µs',
        'redis',
        `${topology}_redisUsPerRelay_closed`,
        2,
        false,
      ),
      row(`Redis CPU per session, ${on}`, 'µs', 'redis', `${topology}_redisUsPerSession`, 0, false),
    );
  }
  return list.filter((r) => Object.keys(r.values).length > 0);
}

/** A target of the issue and whether this run met it. */
export interface Verdict {
  target: string;
  measured: string;
  met: boolean | null;
}

const f = (v: number | undefined, d = 1) => (v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(d));

/** Check the targets of issue 8 against the medians. */
export function verdicts(m: Medians, expectedConnections: number): Verdict[] {
  const out: Verdict[] = [];
  const cmp = (
    target: string,
    a: number | undefined,
    b: number | undefined,
    ok: (a: number, b: number) => boolean,
    text: string,
  ) =>
    out.push({
      target,
      measured: text,
      met: a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b) ? null : ok(a, b),
    });
  const sr = (s: string, k: string) => get(m, s, 'signalroom', k);
  const cpu = sr('relay', 'cpuPerMsgUs');
  const rawCpu = get(m, 'relay', 'raw', 'cpuPerMsgUs');
  const peerCpu = get(m, 'relay', 'peerjs', 'cpuPerMsgUs');
  cmp(
    'CPU per relayed message ≤ 1.2 × raw forwarder',
    cpu,
    rawCpu,
    (a, b) => a <= 1.2 * b,
    `${f(cpu)} µs vs ${f(rawCpu)} µs (${f(cpu !== undefined && rawCpu ? cpu / rawCpu : NaN, 2)}×)`,
  );
  cmp(
    'CPU per relayed message below PeerJS server',
    cpu,
    peerCpu,
    (a, b) => a < b,
    `${f(cpu)} µs vs ${f(peerCpu)} µs`,
  );
  const thr = sr('relay', 'throughput');
  const peerThr = get(m, 'relay', 'peerjs', 'throughput');
  cmp(
    'Throughput at saturation ≥ PeerJS server',
    thr,
    peerThr,
    (a, b) => a >= b,
    `${f(thr, 0)} vs ${f(peerThr, 0)} msg/s`,
  );
  const p99 = sr('relay', 'p99_5000');
  const rawP99 = get(m, 'relay', 'raw', 'p99_5000');
  cmp(
    'p99 at 5k msg/s within 0.5 ms of raw forwarder',
    p99,
    rawP99,
    (a, b) => a - b <= 0.5,
    `${f(p99, 2)} ms vs ${f(rawP99, 2)} ms`,
  );
  const rss = sr('capacity', 'rssPerConnKiB');
  const rawRss = get(m, 'capacity', 'raw', 'rssPerConnKiB');
  cmp(
    'RSS per idle connection ≤ 1.2 × raw forwarder',
    rss,
    rawRss,
    (a, b) => a <= 1.2 * b,
    `${f(rss, 2)} KiB vs ${f(rawRss, 2)} KiB`,
  );
  const held = sr('capacity', 'connected');
  cmp(
    `${expectedConnections.toLocaleString('en')} connections held by one process`,
    held,
    expectedConnections,
    (a, b) => a >= b,
    `${f(held, 0)}`,
  );
  const storm = sr('storm', 'consistentMs');
  const naiveStorm = get(m, 'storm', 'naive', 'consistentMs');
  cmp(
    'Join storm < ½ of the naive server, nothing lost',
    storm,
    naiveStorm,
    (a, b) => a < b / 2 && sr('storm', 'incomplete') === 0 && sr('storm', 'anomalies') === 0,
    `${f(storm, 0)} ms vs ${f(naiveStorm, 0)} ms, ${f(sr('storm', 'incomplete'), 0)} incomplete`,
  );
  const h0 = sr('soak', 'heapStartMiB');
  const h1 = sr('soak', 'heapEndMiB');
  cmp(
    'Heap after GC flat under sustained relay',
    h1,
    h0,
    (a, b) => a - b < 1,
    `${f(h0, 1)} → ${f(h1, 1)} MiB after ${f((sr('soak', 'relayed') ?? NaN) / 1e6, 2)} M messages`,
  );
  return out;
}

/** Format a number for tables. */
export function fmt(v: number | undefined, digits: number): string {
  if (v === undefined || Number.isNaN(v)) return 'n/a';
  return v.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

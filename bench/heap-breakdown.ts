/**
 * What one idle, identified, room-joined connection keeps on the server's heap, by kind of object:
 * heap snapshots of the server at N and 2N connections (the capacity scenario's connections), and
 * the difference of their self sizes divided by N. Objects V8 keeps without a constructor name
 * (strings, arrays, hash tables, closures' contexts) are named with the first object that holds them.
 *
 *   node --import tsx bench/heap-breakdown.ts [--server signalroom|raw|naive|peerjs] [--count 2000]
 *     [--against DIR] [--top 40] [--settle SECONDS] [--who "object IncomingMessage"]
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Generator, ServerProcess, canPin } from './lib/processes.js';
import { SERVERS, type ServerId, type ServerKind } from './lib/servers.js';
import { onEveryGenerator } from './scenarios/scenario.js';

const { values: args } = parseArgs({
  options: {
    server: { type: 'string', default: 'signalroom' },
    count: { type: 'string', default: '2000' },
    against: { type: 'string' },
    top: { type: 'string', default: '40' },
    /** Seconds to leave the connections idle before each snapshot (30: past one 25 s heartbeat round). */
    settle: { type: 'string', default: '0' },
    /** Print who holds a few objects of this kind (a row's name, e.g. "object IncomingMessage"). */
    who: { type: 'string' },
  },
});

interface Snapshot {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Bytes and object count per kind of object in one heap snapshot. */
function tally(file: string): Map<string, { bytes: number; count: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const { node_fields, node_types, edge_fields, edge_types } = snap.snapshot.meta;
  const nf = node_fields.length;
  const ef = edge_fields.length;
  const [typeAt, nameAt, sizeAt, edgesAt] = ['type', 'name', 'self_size', 'edge_count'].map((f) =>
    node_fields.indexOf(f),
  ) as [number, number, number, number];
  const [edgeTypeAt, edgeNameAt, toAt] = ['type', 'name_or_index', 'to_node'].map((f) =>
    edge_fields.indexOf(f),
  ) as [number, number, number];
  const nodeTypes = node_types[0];
  const edgeTypes = edge_types[0];
  const { nodes, edges, strings } = snap;
  const count = nodes.length / nf;
  const label = (i: number) => {
    const type = nodeTypes[nodes[i * nf + typeAt]!]!;
    const name = strings[nodes[i * nf + nameAt]!]!;
    return type === 'object' || type === 'closure' || type === 'native' || type === 'synthetic'
      ? `${type} ${name}`
      : type;
  };
  const named = (i: number) => {
    const type = nodeTypes[nodes[i * nf + typeAt]!]!;
    return type === 'object' || type === 'closure' || type === 'native';
  };
  // First strong retainer of each node (enough to say whose array or string it is).
  const holder = new Int32Array(count).fill(-1);
  const via = new Array<string>(count);
  let e = 0;
  for (let i = 0; i < count; i++) {
    const n = nodes[i * nf + edgesAt]!;
    for (let k = 0; k < n; k++, e++) {
      const et = edgeTypes[edges[e * ef + edgeTypeAt]!];
      if (et === 'weak' || et === 'shortcut') continue;
      const to = edges[e * ef + toAt]! / nf;
      if (holder[to] !== -1) continue;
      holder[to] = i;
      const nameOrIndex = edges[e * ef + edgeNameAt]!;
      via[to] = et === 'element' || et === 'hidden' ? `[${nameOrIndex}]` : `.${strings[nameOrIndex]}`;
    }
  }
  const out = new Map<string, { bytes: number; count: number }>();
  const chains = new Map<string, number>();
  for (let i = count - 1; i >= 0; i--) {
    let key = label(i);
    if (!named(i)) {
      // Walk up through unnamed holders (arrays of arrays, contexts) to the first named object.
      let h = holder[i]!;
      let path = via[i] ?? '';
      for (let depth = 0; h !== -1 && !named(h) && depth < 4; depth++) {
        path = `${via[h] ?? ''}${path}`;
        h = holder[h]!;
      }
      key += h === -1 ? ' (root)' : ` <- ${label(h)}${path.replace(/\[\d+\]/g, '[]')}`;
    }
    if (args.who === key) {
      const chain: string[] = [];
      for (let h = holder[i]!, v = via[i], depth = 0; h !== -1 && depth < 6; depth++) {
        chain.push(`${label(h)}${v ?? ''}`);
        v = via[h];
        h = holder[h]!;
      }
      const path = chain.join('  <-  ');
      chains.set(path, (chains.get(path) ?? 0) + 1);
    }
    const entry = out.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += nodes[i * nf + sizeAt]!;
    entry.count++;
    out.set(key, entry);
  }
  if (args.who) {
    console.log(`${file}: who holds ${args.who} (most common paths)`);
    for (const [path, n] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 6))
      console.log(`${String(n).padStart(7)}  ${path}`);
  }
  return out;
}

async function main(): Promise<void> {
  const n = Number(args.count);
  const base = SERVERS[args.server as ServerId];
  const kind: ServerKind = args.against ? { ...base, entry: `${args.against}/${base.entry}` } : base;
  const generators = await Promise.all([0, 1, 2].map(() => Generator.start(canPin ? 1 : null)));
  const server = await ServerProcess.start(kind, {
    serverCore: canPin ? 0 : null,
    serverEnv: {},
    serverArgs: [],
  });
  mkdirSync('bench/results', { recursive: true });
  const open = async (round: number) => {
    await onEveryGenerator(generators, n, (count, i) => ({
      cmd: 'idle',
      protocol: kind.protocol,
      port: server.port,
      count,
      prefix: `h${round}g${i}`,
      concurrency: 64,
    }));
  };
  try {
    // Each idle command replaces the generator's peers: keep the first batch open by never closing it.
    const settle = () => new Promise((r) => setTimeout(r, Number(args.settle) * 1000));
    await open(1);
    await settle();
    const first = tally(await server.snapshot(`bench/results/heap-${args.server}-${n}.heapsnapshot`));
    await open(2);
    await settle();
    const second = tally(await server.snapshot(`bench/results/heap-${args.server}-${2 * n}.heapsnapshot`));
    const rows = [...second.entries()]
      .map(([key, v]) => {
        const before = first.get(key) ?? { bytes: 0, count: 0 };
        return { key, bytes: (v.bytes - before.bytes) / n, count: (v.count - before.count) / n };
      })
      .sort((a, b) => b.bytes - a.bytes);
    const total = rows.reduce((a, r) => a + r.bytes, 0);
    // Code and source strings compiled lazily while connecting show up as fractions of an object.
    const perConnection = rows.filter((r) => r.count >= 0.1).reduce((a, r) => a + r.bytes, 0);
    console.log(
      `${kind.label}: V8 heap per connection (self sizes, ${n} → ${2 * n} connections): ${total.toFixed(0)} B, ` +
        `${perConnection.toFixed(0)} B in kinds of object with at least one per ten connections`,
    );
    for (const r of rows.slice(0, Number(args.top)))
      console.log(`${r.bytes.toFixed(1).padStart(8)} B  ${r.count.toFixed(2).padStart(6)}×  ${r.key}`);
  } finally {
    await server.stop();
    await Promise.all(generators.map((g) => g.stop()));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

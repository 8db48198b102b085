/**
 * `node --import tsx bench/redis-reaper.ts [peers] [--root DIR]` — how long the reaper of a dead
 * node blocks Redis: a private redis-server that logs every command in its SLOWLOG, a node (a
 * child process) that identifies N peers and joins them two per room, killed with SIGKILL, and a
 * second node that reaps it. Prints, for the scripts that ran most slowly, how long Redis spent in
 * each call (a script runs alone: nothing else is served meanwhile; the durations include the
 * logging of its own calls, so they overstate a little), the longest command of all, and how long
 * the whole cleanup took. On a busy machine the longest calls include time the Redis process was
 * not scheduled: compare medians. `--root`
 * measures another checkout (same backend API). Bounded: 50,000 peers at most, 2 minutes.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { RedisServer } from '../test/helpers/redis-server.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { root: { type: 'string' }, fill: { type: 'boolean', default: false } },
});
const root = resolve(values.root ?? new URL('..', import.meta.url).pathname);
type Backend = {
  nodeId: string;
  start(local: object): Promise<void>;
  close(): Promise<void>;
  claimUsername(key: string, peer: { id: string; username: string }): Promise<boolean>;
  joinRoom(room: string, peer: { id: string; username: string }, max: number): Promise<{ ok: boolean }>;
};
const { RedisBackend } = (await import(`${root}/src/backend/redis.ts`)) as {
  RedisBackend: new (o: Record<string, unknown>) => Backend;
};
const local = { deliverLocal: () => undefined, kickLocal: () => false };
const backend = (url: string, prefix: string) =>
  new RedisBackend({
    url,
    keyPrefix: prefix,
    nodeTimeoutMs: 3000,
    commandTimeoutMs: 1000,
    logger: pino({ level: 'silent' }),
  });

if (values.fill) {
  // The node to kill: fill, say so, wait.
  const [url, prefix, count] = positionals as [string, string, string];
  const node = backend(url, prefix);
  await node.start(local);
  const peers = Number(count);
  for (let i = 0; i < peers; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, peers - i) }, async (_, j) => {
        const peer = { id: randomUUID(), username: `user-${i + j}` };
        await node.claimUsername(peer.username, peer);
        await node.joinRoom(`room-${(i + j) >> 1}`, peer, 50);
      }),
    );
  }
  process.stdout.write('ready\n');
  await new Promise(() => undefined);
}

const peers = Math.min(Number(positionals[0] ?? 20_000), 50_000);
const redis = await RedisServer.start(['--slowlog-log-slower-than', '0', '--slowlog-max-len', '1000000']);
const inspect = redis.client();
const prefix = `reap-${randomUUID().slice(0, 8)}:`;
let reaper: Backend | null = null;
try {
  await inspect.connect();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL(import.meta.url).pathname,
      '--fill',
      '--root',
      root,
      redis.url,
      prefix,
      String(peers),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((ok, fail) => {
    child.stdout.on('data', (c: Buffer) => c.toString().includes('ready') && ok());
    child.once('exit', (code) => fail(new Error(`filler exited ${code}`)));
  });
  child.kill('SIGKILL');
  const users = async () => {
    let n = 0;
    let cursor = '0';
    do {
      const [next, keys] = await inspect.scan(cursor, 'MATCH', `${prefix}user:*`, 'COUNT', 10_000);
      n += keys.length;
      cursor = next;
    } while (cursor !== '0');
    return n;
  };
  const before = await users();
  await inspect.call('SLOWLOG', 'RESET');
  reaper = backend(redis.url, prefix);
  await reaper.start(local);
  const started = Date.now();
  while ((await users()) > 0) {
    if (Date.now() - started > 120_000) throw new Error('the dead node was not reaped within 2 minutes');
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = (await inspect.call('SLOWLOG', 'GET', '1000000')) as Array<[number, number, number, string[]]>;
  // Only what the nodes ran (not this script's SCANs); a script's own calls are logged too.
  const ran = log.filter(([, , , args]) => !/^(scan|slowlog)$/i.test(String(args[0])));
  const scripts = new Map<string, number[]>();
  for (const [, , us, args] of ran) {
    if (!/^evalsha$/i.test(String(args[0]))) continue;
    const sha = String(args[1]);
    scripts.set(sha, [...(scripts.get(sha) ?? []), us]);
  }
  const stats = [...scripts.values()]
    .map((us) => us.sort((a, b) => a - b))
    .map((us) => ({
      calls: us.length,
      medianUs: us[us.length >> 1],
      p99Us: us[Math.floor(us.length * 0.99)],
      maxUs: us.at(-1),
    }))
    .sort((a, b) => (b.medianUs ?? 0) - (a.medianUs ?? 0));
  const times = ran.map((e) => e[1]);
  console.log(
    JSON.stringify({
      peers: before,
      longestCommandUs: ran.reduce((m, e) => Math.max(m, e[2]), 0),
      scripts: stats.slice(0, 3),
      cleanupSeconds:
        times.reduce((a, b) => Math.max(a, b), 0) - times.reduce((a, b) => Math.min(a, b), Infinity),
    }),
  );
} finally {
  await reaper?.close();
  inspect.disconnect();
  await redis.destroy();
}

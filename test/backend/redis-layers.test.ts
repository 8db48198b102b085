/**
 * The Redis backend's layer picture (top of src/backend/redis.ts) as a test: each file imports
 * only from its own layer or below, nothing imports the facade but the backend factory, no import
 * cycle, and no file but redis-keys.ts builds a key name from the prefix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(import.meta.dirname, '../../src/backend');

const LAYERS: Record<string, number> = {
  'backend.ts': 0,
  'cluster-batch.ts': 0,
  'cluster-messages.ts': 0,
  'cluster-view.ts': 0,
  'local-bearers.ts': 0,
  'local-peers.ts': 0,
  'redis-connection.ts': 0,
  'redis-keys.ts': 0,
  'redis-members.ts': 0,
  'redis-outbox.ts': 0,
  'redis-scripts.ts': 0,
  'redis-topology.ts': 0,
  'room-mirror.ts': 0,
  'room-size-counter.ts': 0,
  'undelivered-notices.ts': 0,
  'relay-acks.ts': 0,
  'redis-node.ts': 1,
  'redis-inbound.ts': 2,
  'redis-liveness.ts': 2,
  'redis-peer-removal.ts': 2,
  'redis-reregister.ts': 2,
  'redis-resume.ts': 2,
  'redis-bearers.ts': 2,
  'redis-room-index.ts': 2,
  'redis-rooms.ts': 2,
  'redis-usernames.ts': 2,
  'redis.ts': 3,
};

function importsOf(file: string): string[] {
  const text = readFileSync(join(DIR, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)\b[^;]*?from '\.\/([^']+)\.js';/gms)].map((m) => `${m[1]}.ts`);
}

const files = readdirSync(DIR).filter((f) => f === 'backend.ts' || f in LAYERS);

test('redis layers: every backend file has a layer and imports only its own layer or below', () => {
  for (const f of readdirSync(DIR).filter((f) => /^(redis|room|local|cluster|undelivered|relay)/.test(f))) {
    assert.ok(f in LAYERS, `${f} has no layer in this test (and in the picture in redis.ts)`);
  }
  for (const file of files) {
    for (const dep of importsOf(file)) {
      if (!(dep in LAYERS)) continue; // memory.ts and the factory are not in the Redis layers
      assert.ok((LAYERS[dep] as number) <= (LAYERS[file] as number), `${file} imports ${dep} from above`);
    }
  }
});

test('redis layers: no import cycle; only the factory imports the facade', () => {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((d) => d in LAYERS)]));
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (f: string, path: string[]): void => {
    if (done.has(f)) return;
    assert.ok(!visiting.has(f), `import cycle: ${[...path, f].join(' → ')}`);
    visiting.add(f);
    for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
    visiting.delete(f);
    done.add(f);
  };
  for (const f of files) visit(f, []);
  const importers = readdirSync(DIR).filter((f) => f !== 'redis.ts' && importsOf(f).includes('redis.ts'));
  assert.deepEqual(importers, ['create-backend.ts']);
});

test('redis layers: key names come from redis-keys.ts only', () => {
  for (const file of files.filter((f) => f !== 'redis-keys.ts')) {
    const text = readFileSync(join(DIR, file), 'utf8');
    assert.doesNotMatch(text, /prefix\}|prefix \+|\.prefix,/, `${file} builds a name from the prefix`);
  }
});

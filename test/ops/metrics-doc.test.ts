import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MemoryBackend } from '../../src/backend/memory.js';
import { instrumentBackend } from '../../src/metrics/instrumented-backend.js';
import { ServerMetrics } from '../../src/metrics/server-metrics.js';

const doc = readFileSync(new URL('../../docs/deploy.md', import.meta.url), 'utf8');

test('docs/deploy.md lists every metric the server registers', () => {
  const metrics = new ServerMetrics({
    stats: () => ({ connections: 0, peers: 0 }),
    backend: new MemoryBackend(),
  });
  instrumentBackend(new MemoryBackend(), metrics.registry);
  const names = metrics.registry.getMetricsAsArray().map((m) => m.name);
  const own = names.filter(
    (n) => !n.startsWith('signalroom_process_') && !n.startsWith('signalroom_nodejs_'),
  );
  assert.ok(own.length >= 15, `expected the signalroom metrics, got ${own.join(', ')}`);
  for (const name of own) {
    assert.ok(new RegExp(`^\\| \`${name}\` +\\|`, 'm').test(doc), `docs/deploy.md: no row for ${name}`);
  }
  assert.ok(
    names.some((n) => n.startsWith('signalroom_process_')),
    'default metrics registered',
  );
  assert.ok(doc.includes('`signalroom_process_*`, `signalroom_nodejs_*`'), 'default metrics documented');
  for (const name of names) assert.ok(name.startsWith('signalroom_'), `${name} lacks the prefix`);
});

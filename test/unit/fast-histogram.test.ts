import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { FastHistogram, RELAY_SECONDS_BUCKETS } from '../../src/metrics/server-metrics.js';

test("FastHistogram exports what prom-client's Histogram exports for the same observations", async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const fast = new FastHistogram('x_seconds', 'help text', RELAY_SECONDS_BUCKETS, [ours]);
  const reference = new Histogram({
    name: 'x_seconds',
    help: 'help text',
    buckets: [...RELAY_SECONDS_BUCKETS],
    registers: [theirs],
  });
  // Exactly on bounds (le is inclusive), between them, below the first and above the last.
  const values = [0, 0.000005, 0.000007, 0.00001, 0.0003, 0.001, 0.02, 0.025, 0.5, 3];
  for (let i = 0; i < 200; i++) {
    const v = values[i % values.length]! * (1 + (i % 3) * 0.001);
    fast.observe(v);
    reference.observe(v);
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
  // The JSON form too (prom-client adds empty exemplars, which carry nothing).
  const json = async (r: Registry) =>
    (await r.getMetricsAsJSON()).flatMap((m) =>
      m.values.map((v) => ({ ...v, exemplar: undefined, type: m.type, name: m.name })),
    );
  assert.deepEqual(await json(ours), await json(theirs));
  ours.resetMetrics();
  theirs.resetMetrics();
  reference.zero({});
  assert.equal(await ours.metrics(), await theirs.metrics(), 'reset to zero');
});

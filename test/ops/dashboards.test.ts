/**
 * deploy/grafana-dashboard.json and deploy/prometheus-alerts.yml name only metrics a running
 * server exports (its /metrics), and the dashboard shows every signalroom metric.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer } from '../helpers/test-server.js';

const root = new URL('../../', import.meta.url);
const dashboard = JSON.parse(readFileSync(new URL('deploy/grafana-dashboard.json', root), 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string }[] };
};
const alerts = readFileSync(new URL('deploy/prometheus-alerts.yml', root), 'utf8');

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: { expr: string; refId: string }[];
}

const METRIC = /\bsignalroom_[a-z0-9_]+\b/g;
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const dashboardExprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
const alertExprs = [...alerts.matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1] as string);

/** A running server's metrics by name (from /metrics' TYPE lines) with their types. */
async function exportedMetrics(t: TestContext): Promise<Map<string, string>> {
  const { httpUrl } = await startServer(t);
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]));
}

test('the dashboard and the alert rules name only metrics the server exports', async (t) => {
  // Series names: the metrics' own, and the parts a histogram is exposed as.
  const exported = new Set<string>();
  for (const [name, type] of await exportedMetrics(t)) {
    exported.add(name);
    if (type === 'histogram')
      for (const part of ['_bucket', '_sum', '_count']) exported.add(`${name}${part}`);
  }
  assert.ok(exported.has('signalroom_connections'), 'the server exports its metrics');
  for (const [file, exprs] of [
    ['deploy/grafana-dashboard.json', dashboardExprs],
    ['deploy/prometheus-alerts.yml', alertExprs],
  ] as const) {
    assert.ok(exprs.length >= 10, `${file}: queries found`);
    for (const expr of exprs)
      for (const [name] of expr.matchAll(METRIC))
        assert.ok(exported.has(name), `${file}: ${name} is not exported (${expr})`);
  }
});

test('the dashboard shows every signalroom metric (besides the default process ones)', async (t) => {
  const own = [...(await exportedMetrics(t)).keys()].filter(
    (n) => !n.startsWith('signalroom_process_') && !n.startsWith('signalroom_nodejs_'),
  );
  assert.ok(own.length >= 15);
  const shown = new Set(dashboardExprs.flatMap((e) => [...e.matchAll(METRIC)].map((m) => m[0])));
  for (const name of own)
    assert.ok(
      [name, `${name}_bucket`, `${name}_sum`].some((n) => shown.has(n)),
      `no panel shows ${name}`,
    );
});

test('the dashboard is importable: unique panel ids, every query on the chosen Prometheus', () => {
  assert.equal(dashboard.uid, 'signalroom');
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'unique panel ids');
  assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'));
  for (const panel of panels) {
    assert.equal(panel.datasource?.uid, '${datasource}', `${panel.title}: datasource variable`);
    assert.ok(panel.targets && panel.targets.length > 0, `${panel.title}: has queries`);
    const refs = panel.targets.map((t) => t.refId);
    assert.equal(new Set(refs).size, refs.length, `${panel.title}: unique refIds`);
  }
});

test('every alert rule has an expression, a severity and a summary', () => {
  const rules = alerts.split(/^\s+- alert: /m).slice(1);
  assert.ok(rules.length >= 8, `${rules.length} rules`);
  const names = new Set<string>();
  for (const rule of rules) {
    const name = rule.split('\n')[0]?.trim() ?? '';
    assert.match(name, /^Signalroom[A-Za-z]+$/);
    assert.ok(!names.has(name), `${name} twice`);
    names.add(name);
    assert.match(rule, /^\s+expr: \S/m, `${name}: expr`);
    assert.match(rule, /^\s+severity: (critical|warning|info)$/m, `${name}: severity`);
    assert.match(rule, /^\s+summary: '.+'$/m, `${name}: summary`);
    assert.ok(!/\t/.test(rule), `${name}: no tabs in YAML`);
  }
  assert.match(alerts, /^groups:\n {2}- name: signalroom\n {4}rules:\n/m);
});

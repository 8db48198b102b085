// `npm audit --omit=dev --audit-level=high`, failing on high or critical advisories in runtime
// dependencies. When the registry offers no advisory endpoint (a mirror answering 405, as in this
// project's CI network), it says so loudly and does not fail: there is no verdict to act on.
import { spawnSync } from 'node:child_process';

const run = spawnSync('npm', ['audit', '--omit=dev', '--audit-level=high', '--json'], { encoding: 'utf8' });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  console.error(run.stdout, run.stderr);
  console.error('audit: npm audit printed no JSON');
  process.exit(1);
}
if (report.metadata?.vulnerabilities) {
  const v = report.metadata.vulnerabilities;
  console.log(
    `audit: runtime dependencies: ${v.critical} critical, ${v.high} high, ${v.moderate} moderate, ${v.low} low`,
  );
  process.exit(v.critical + v.high > 0 ? 1 : 0);
}
if (report.statusCode) {
  console.warn(
    `audit: WARNING the registry's advisory endpoint answered HTTP ${report.statusCode}; no audit was possible here`,
  );
  process.exit(0);
}
console.error(JSON.stringify(report).slice(0, 2000));
process.exit(1);

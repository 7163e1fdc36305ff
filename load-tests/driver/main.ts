// The Node load driver against a running system (the stack's load balancer by default):
//   npx tsx load-tests/driver/main.ts [--type load|spike|soak|stress|smoke|ci]
// Settings from the environment, exactly as for k6 (BASE_URL, VUS, RAMP_UP, HOLD, ...:
// load-tests/shared/settings.ts). Writes load-tests/reports/driver-<type>-{summary.json,report.html}
// (REPORT_DIR overrides) and exits 1 when a release-gate threshold is breached.
import { parseArgs } from 'node:util';
import { stagesFor, type TestType } from '../shared/plan.ts';
import { resolveSettings } from '../shared/settings.ts';
import { formatTextSummary } from '../shared/summary.ts';
import { writeReports } from './report-files.ts';
import { runScenario } from './run.ts';
import { processGroups } from './target.ts';

const TYPES: TestType[] = ['smoke', 'load', 'stress', 'spike', 'soak', 'ci'];
const { values } = parseArgs({ options: { type: { type: 'string', default: 'load' } } });
const type = values.type as TestType;
if (!TYPES.includes(type)) {
  console.error(`--type must be one of ${TYPES.join(', ')}`);
  process.exit(2);
}
const env = process.env;
const settings = resolveSettings(env);
const instanceUrls = (env.INSTANCE_URLS ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const redisPorts = env.REDIS_PORTS?.split(',').map(Number);
const { groups, close } = processGroups({ databaseUrl: env.DATABASE_URL, redisPorts });
const redisServers = (redisPorts ?? []).map((port) => ({ name: `Redis :${port}`, port }));
const summary = await runScenario({ settings, type, stages: stagesFor(type, settings), target: { baseUrl: settings.baseUrl, instanceUrls, groups, redisServers } });
await close();
process.stdout.write(formatTextSummary(summary));
const files = await writeReports(summary, env.REPORT_DIR || 'load-tests/reports', `driver-${type}`);
console.log(`summary: ${files.json}\nreport:  ${files.html}`);
process.exit(summary.passed ? 0 : 1);

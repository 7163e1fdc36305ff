// `npm run stack -- --instances 2`: the no-Docker twin of compose.yaml. Starts the two Redis
// roles (if not already running), migrates + seeds, N API instances, the worker, the web front
// end (if built), HAProxy and Prometheus from local processes, prints the URLs and a live status
// line, supervises crashed processes, and stops everything on Ctrl-C / SIGTERM.
//
// Flags: --instances N (1-8, default 2)   --port-offset O (0-4: LB 8080+O, API 3001+4O.., see ports.ts)
//        --seed-scale X (default 0.1; 0 = no seed)   --no-prometheus   --no-worker   --no-web
//        --random-ports (free ports from the kernel, temporary run directory)
//        --autoscale MIN:MAX (API instances follow infra/autoscaling/policy.json like the Kubernetes HPA,
//          workers on queue depth; each decision is printed)
//        --autoscale-workers MIN:MAX (worker bounds with --autoscale; default the policy's minReplicas:maxReplicas)
//        --replica (a streaming read replica: pg_basebackup + replication slot, its own port and data
//          directory; stale-tolerant reads go there, read-your-writes by WAL position)
//        --pgbouncer (PgBouncer in transaction mode between the apps and PostgreSQL; the budget printed
//          becomes app pools -> default_pool_size -> max_connections)
// Config: .env.example, overridden by the same variables in the environment.
import { parseArgs } from 'node:util';
import { loadAutoscalePolicy } from './autoscale/policy.js';
import { describeBudget, startStack, type Stack } from './index.js';
import { stopWhenTold } from './stop-when-told.js';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '2' },
    'port-offset': { type: 'string', default: process.env.STACK_PORT_OFFSET ?? '0' },
    'seed-scale': { type: 'string', default: '0.1' },
    'no-prometheus': { type: 'boolean', default: false },
    'no-worker': { type: 'boolean', default: false },
    'no-web': { type: 'boolean', default: false },
    // Free ports picked by the kernel (tests; two stacks can never collide).
    'random-ports': { type: 'boolean', default: false },
    autoscale: { type: 'string' },
    'autoscale-workers': { type: 'string' },
    pgbouncer: { type: 'boolean', default: false },
    replica: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(
    'usage: npm run stack -- [--instances 2] [--port-offset 0 | --random-ports] [--seed-scale 0.1] [--no-prometheus] [--no-worker] [--no-web] [--autoscale 2:6 [--autoscale-workers 1:4]] [--pgbouncer] [--replica]',
  );
  process.exit(0);
}

const seedScale = Number(values['seed-scale']);
const autoscale = parseAutoscale(values.autoscale, values['autoscale-workers']);
let stack: Stack | undefined;
let stopping = false;
const stop = async (reason: string) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\n');
  console.log(`${reason}: stopping the stack...`);
  await stack?.stop();
  console.log('stopped (no processes left behind)');
  process.exit(0);
};
stopWhenTold((reason) => void stop(reason));

try {
  stack = await startStack({
    instances: Number(values.instances),
    ports: values['random-ports'] ? 'auto' : Number(values['port-offset']),
    seed: seedScale > 0 ? seedScale : false,
    prometheus: !values['no-prometheus'],
    worker: !values['no-worker'],
    web: !values['no-web'],
    autoscale,
    pgbouncer: values.pgbouncer,
    replica: values.replica,
    inheritEnv: true,
    log: (line) => {
      process.stdout.write('\r\x1b[K');
      console.log(line);
    },
  });
} catch (error) {
  console.error(`stack failed to start: ${(error as Error).message}`);
  process.exit(1);
}

const { urls, budget } = stack;
console.log(`
Conduit stack is up (${stack.instances.length} API instances${autoscale ? `, autoscaling ${autoscale.min}-${autoscale.max}, workers ${autoscale.workers.min}-${autoscale.workers.max}` : ''}). Logs: ${stack.runDir}/logs
  App (through HAProxy)   ${urls.lb}${urls.web ? '   (web front end at /, API at /api)' : '   (API at /api)'}
  HAProxy stats           ${urls.lbStats}/stats
${stack.instances.map((h) => `  ${h.id.padEnd(22)}  ${h.url}  (/health/ready, /metrics)`).join('\n')}
${urls.worker ? `  worker                  ${urls.worker}/metrics\n` : ''}${urls.replica ? `  Read replica            ${urls.replica.replace(/\/\/[^@]*@/, '//')}  (streaming; reads routed by apps/api/src/database/replica)\n` : ''}${urls.pgbouncer ? `  PgBouncer               ${urls.pgbouncer.replace(/\/\/[^@]*@/, '//')}  (admin console: database pgbouncer)\n` : ''}${urls.prometheus ? `  Prometheus              ${urls.prometheus}  (alerts: ${urls.prometheus}/alerts)\n` : ''}  Redis cache / queue     ${urls.cacheRedis} / ${urls.queueRedis}
  DB connection budget    ${describeBudget(budget)}
Ctrl-C stops everything.
`);

// Live status line: HAProxy's view of each instance + requests served, refreshed every 2 s.
const interactive = process.stdout.isTTY;
let last = '';
setInterval(async () => {
  if (stopping || !stack) return;
  let line: string;
  try {
    const rows = (await stack.lbStatus()).filter((r) => r.backend === 'api');
    const procs = stack.instances.map((h) => h.process.restarts).reduce((a, b) => a + b, 0);
    line = `${new Date().toISOString().slice(11, 19)} ${rows.map((r) => `${r.server} ${r.status} ${r.sessions} req`).join(' | ')} | restarts ${procs}`;
  } catch (error) {
    line = `HAProxy stats unavailable: ${(error as Error).message}`;
  }
  if (interactive) process.stdout.write(`\r\x1b[K${line}`);
  else if (line.replace(/\d+ req|^\S+/g, '') !== last.replace(/\d+ req|^\S+/g, '')) console.log(line);
  last = line;
}, 2_000).unref();
function parseAutoscale(value: string | undefined, workers: string | undefined) {
  if (value === undefined) {
    if (workers !== undefined) usage('--autoscale-workers needs --autoscale MIN:MAX');
    return undefined;
  }
  const api = range(value) ?? usage('--autoscale takes MIN:MAX, e.g. --autoscale 2:6');
  const { worker } = loadAutoscalePolicy();
  const workerRange = workers === undefined ? { min: worker.minReplicas, max: worker.maxReplicas } : (range(workers) ?? usage('--autoscale-workers takes MIN:MAX, e.g. --autoscale-workers 1:4'));
  return { ...api, workers: workerRange };
}

function range(value: string): { min: number; max: number } | undefined {
  const m = /^(\d+):(\d+)$/.exec(value);
  return m ? { min: Number(m[1]), max: Number(m[2]) } : undefined;
}

function usage(message: string): never {
  console.error(message);
  process.exit(2);
}

// Keep the process alive until a signal arrives.
setInterval(() => {}, 1 << 30);

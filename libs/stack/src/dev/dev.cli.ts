// `npm run dev`: the everyday development loop. Starts PostgreSQL, Redis and the queue Redis if they
// are stopped (scripts/ensure-services.sh, start-queue-redis.sh), builds once, migrates, then runs
// the API and the worker (restarted about a second after a saved change under apps/*/src or
// libs/*/src, compiled by SWC) and the web app on Vite's dev server (hot reload), with one prefixed,
// readable log stream. Ctrl-C stops everything.
//
// Flags: --api-port 3000  --worker-port 3100  --web-port 5173  --random-ports  --seed-scale 0.01
//        --no-services  --no-worker  --no-web
// Config: .env.example, overridden by the same variables in the environment.
import { parseArgs } from 'node:util';
import { readEnvFile } from '../env-file.js';
import { REPO_ROOT, repoPath } from '../paths.js';
import { randomPorts } from '../ports.js';
import { startDev, type DevSession } from './dev-session.js';
import { stopWhenTold } from '../stop-when-told.js';

const { values } = parseArgs({
  options: {
    'api-port': { type: 'string' },
    'worker-port': { type: 'string' },
    'web-port': { type: 'string', default: '5173' },
    'random-ports': { type: 'boolean', default: false },
    'seed-scale': { type: 'string', default: '0.01' },
    'no-services': { type: 'boolean', default: false },
    'no-worker': { type: 'boolean', default: false },
    'no-web': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('usage: npm run dev -- [--api-port 3000] [--worker-port 3100] [--web-port 5173] [--random-ports] [--seed-scale 0.01] [--no-services] [--no-worker] [--no-web]');
  process.exit(0);
}

const env: NodeJS.ProcessEnv = { ...readEnvFile(repoPath('.env.example')), ...process.env };
const random = values['random-ports'] ? await randomPorts(1) : undefined;
const ports = random
  ? { api: random.api[0], worker: random.worker, web: random.web }
  : { api: Number(values['api-port'] ?? env.PORT ?? 3000), worker: Number(values['worker-port'] ?? env.WORKER_PORT ?? 3100), web: Number(values['web-port']) };
const log = (line: string) => console.log(line);

let session: DevSession | undefined;
let stopping = false;
const stop = async (reason: string) => {
  if (stopping) return;
  stopping = true;
  log(`${reason}: stopping...`);
  await session?.stop();
  process.exit(0);
};
stopWhenTold((reason) => void stop(reason));

try {
  session = await startDev({
    root: REPO_ROOT,
    env,
    ports,
    services: !values['no-services'],
    worker: !values['no-worker'],
    web: !values['no-web'],
    seedScale: Number(values['seed-scale']),
    color: process.stdout.isTTY === true,
    log,
  });
} catch (error) {
  console.error(`dev mode failed to start: ${(error as Error).message}`);
  await session?.stop();
  process.exit(1);
}

const { urls } = session;
log(`
Conduit dev mode is up.
  web (Vite, hot reload)  ${urls.web ?? '(off)'}${urls.web ? '   /api and /socket.io go to the API' : ''}
  api                     ${urls.api}   (/health/ready, /metrics)
  worker                  ${urls.worker ? `${urls.worker}/metrics` : '(off)'}
Saving a file under apps/api/src, apps/worker/src or libs/*/src recompiles it and restarts the app(s) using it.
Ctrl-C stops everything.`);

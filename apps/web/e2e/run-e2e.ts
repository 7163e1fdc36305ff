// End-to-end test of the web app in headless Chromium against the no-Docker stack: HAProxy in
// front of 2 API instances (+ worker, static web), PostgreSQL and Redis. Run from the repo root:
//   npm run test:e2e:web
// Prints one line per step, screenshots to apps/web/e2e/screenshots/, and ends with
// "web-e2e: N passed, N failed" (exit 1 on any failure).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { randomPorts, startStack, type Stack } from '../../../libs/stack/src/index.js';
import { StepRunner, launchChromium, metricValue, newUserContext } from './e2e-harness.js';
import { conduitSteps } from './conduit.steps.js';
import { chatSteps } from './chat.steps.js';
import { opsSteps } from './ops.steps.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const WEB = fileURLToPath(new URL('../', import.meta.url));
const ADMIN_DB_URL = process.env.E2E_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
// The whole run is bounded: a hung browser or stack fails the run instead of blocking CI.
const RUN_DEADLINE_MS = Number(process.env.WEB_E2E_DEADLINE_MS ?? 300_000);

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_DB_URL, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  if (!existsSync(`${WEB}dist/index.html`) || process.env.WEB_E2E_BUILD !== '0') {
    console.log('building apps/web (vite build + bundle budget)');
    execFileSync('npm', ['run', 'build', '-w', '@conduit/web'], { cwd: REPO, stdio: 'inherit' });
  }
  const dbName = `conduit_web_e2e_${process.pid}`;
  const ports = await randomPorts(2);
  const origin = `http://127.0.0.1:${ports.lb}`;
  const runner = new StepRunner(`${WEB}e2e/screenshots`);
  const runDir = mkdtempSync(join(tmpdir(), 'conduit-web-e2e-'));
  let stack: Stack | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  const deadline = setTimeout(() => {
    console.log(`web-e2e: deadline of ${RUN_DEADLINE_MS} ms passed, stopping`);
    process.exit(1); // the stack's exit hook kills its children
  }, RUN_DEADLINE_MS);
  deadline.unref();

  try {
    console.log(`starting the stack (2 API instances behind HAProxy at ${origin})`);
    stack = await startStack({
      instances: 2,
      ports,
      databaseUrl: `postgresql://postgres@127.0.0.1:5432/${dbName}`,
      prometheus: false,
      supervise: false,
      runDir,
      env: {
        LOG_LEVEL: 'warn',
        // The browser's Origin must pass the chat handshake's allowlist (and CORS).
        CORS_ORIGINS: origin,
        CHAT_ALLOWED_ORIGINS: origin,
        SHUTDOWN_DRAIN_DELAY_MS: '0',
        // This test checks the UI's behaviour, not load shedding: on a busy shared 2-core CI box
        // the default 250 ms event-loop threshold sheds (503) or fails readiness mid-test.
        LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '5000',
      },
      log: (line) => console.log(`  [stack] ${line}`),
    });
    console.log(`stack up in ${Date.now() - started} ms: ${stack.urls.instances.join(', ')}`);
    browser = await launchChromium();

    const alice = await newUserContext(browser, { viewport: { width: 1280, height: 800 } });
    // The second user is on a phone-sized screen: the responsive layout is exercised for real.
    const bob = await newUserContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true });
    runner.pages.set('alice-desktop', alice.page);
    runner.pages.set('bob-phone', bob.page);

    const suffix = Date.now().toString(36);
    const users = { alice: `alice_${suffix}`, bob: `bob_${suffix}` };
    const metrics = async (i: number) => metricValue(await (await fetch(`${stack!.urls.instances[i]}/metrics`, { signal: AbortSignal.timeout(5_000) })).text(), 'chat_socket_connections');

    await conduitSteps(runner, { origin, alice, bob, users, suffix });
    const sql = async (text: string, params: unknown[]) => {
      const client = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:5432/${dbName}`, connectionTimeoutMillis: 5_000 });
      await client.connect();
      try {
        await client.query(text, params);
      } finally {
        await client.end();
      }
    };
    await chatSteps(runner, { origin, alice, bob, users, suffix, stack, metrics, sql });
    await opsSteps(runner, { origin, alice, users, sql, instances: { 'api-1': 'ready', 'api-2': 'down', worker: 'ready' } });
  } catch (error) {
    console.log(`web-e2e: setup failed: ${(error as Error).stack}`);
    runner.results.push({ name: 'setup', ok: false, ms: 0, error: (error as Error).message });
  } finally {
    await browser?.close().catch(() => undefined);
    if (stack) {
      await stack.stop().catch((e: Error) => console.log(`stack stop: ${e.message}`));
    }
    // Logs of the API instances, worker and HAProxy are kept when something failed.
    if (runner.results.length > 0 && runner.results.every((r) => r.ok)) rmSync(runDir, { recursive: true, force: true });
    else console.log(`  stack logs kept in ${runDir}/logs`);
    await dropDatabase(dbName).catch((e: Error) => console.log(`drop database: ${e.message}`));
  }
  const failed = runner.results.some((r) => !r.ok);
  console.log(`screenshots: apps/web/e2e/screenshots/ (${runner.results.length} steps, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  console.log(`web-e2e: ${runner.summary()}`);
  return failed ? 1 : 0;
}

process.exitCode = await main();

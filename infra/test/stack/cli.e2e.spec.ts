import { isListening, waitFor } from '@conduit/stack';
import { createTestDatabase, type TestDatabase } from '@conduit/testing';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm run stack` as a user runs it: prints the URLs, serves through the LB, and leaves no
 * process behind when stopped with SIGTERM or when whoever started it dies (kill -9 of the tsx
 * wrapper: the CLI notices it was re-parented and stops the stack).
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsx = `${root}node_modules/tsx/dist/cli.mjs`;

interface RunningCli {
  wrapper: ChildProcess;
  output: () => string;
  lbPort: number;
  apiPorts: number[];
}

/** `ownGroup`: the CLI leads its own process group, like a command started from a terminal. */
async function startCli(databaseUrl: string, ownGroup = false): Promise<RunningCli> {
  let output = '';
  const wrapper = spawn(process.execPath, [tsx, 'libs/stack/src/stack.cli.ts', '--instances', '2', '--random-ports', '--seed-scale', '0', '--no-prometheus', '--no-worker', '--no-web'], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '60000' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: ownGroup,
  });
  wrapper.stdout!.on('data', (chunk) => (output += chunk));
  wrapper.stderr!.on('data', (chunk) => (output += chunk));
  await waitFor(
    'the stack to print its URLs',
    async () => {
      if (wrapper.exitCode !== null) throw new Error(`CLI exited early:\n${output}`);
      return output.includes('Ctrl-C stops everything');
    },
    120_000,
    200,
  );
  const lbPort = Number(/App \(through HAProxy\)\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
  const apiPorts = [...output.matchAll(/api-\d+\s+http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
  return { wrapper, output: () => output, lbPort, apiPorts };
}

async function expectAllClosed(cli: RunningCli) {
  for (const port of [cli.lbPort, ...cli.apiPorts]) {
    await waitFor(`port ${port} to close`, async () => !(await isListening(port)), 30_000, 250);
  }
}

describe('npm run stack (CLI)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('serves through the LB and stops everything on SIGTERM', async () => {
    const cli = await startCli(db.url);
    try {
      expect(cli.apiPorts).toHaveLength(2);
      expect(cli.output()).toMatch(/DB connection budget\s+2 x \d+ \+ worker 0 \+ reserve \d+ <= max_connections \d+/);
      const res = await fetch(`http://127.0.0.1:${cli.lbPort}/api/tags`);
      expect(res.status).toBe(200);
      cli.wrapper.kill('SIGTERM');
      await new Promise((resolve) => cli.wrapper.once('exit', resolve));
      expect(cli.output()).toContain('stopped (no processes left behind)');
      await expectAllClosed(cli);
    } finally {
      cli.wrapper.kill('SIGKILL');
    }
  }, 180_000);

  it('Ctrl-C (SIGINT to the whole process group) stops everything without a restart', async () => {
    const cli = await startCli(db.url, true);
    try {
      process.kill(-cli.wrapper.pid!, 'SIGINT'); // what a terminal does on Ctrl-C
      await new Promise((resolve) => cli.wrapper.once('exit', resolve));
      expect(cli.output()).toContain('stopped (no processes left behind)');
      expect(cli.output()).not.toContain('exited unexpectedly');
      await expectAllClosed(cli);
    } finally {
      cli.wrapper.kill('SIGKILL');
    }
  }, 180_000);

  it('refuses worker bounds without --autoscale, and malformed ones, before starting anything', async () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, [tsx, 'libs/stack/src/stack.cli.ts', ...args], { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    const alone = run(['--autoscale-workers', '1:3']);
    expect(alone.status).toBe(2);
    expect(alone.stderr).toContain('--autoscale-workers needs --autoscale MIN:MAX');
    const malformed = run(['--autoscale', '2:2', '--autoscale-workers', 'three']);
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toContain('--autoscale-workers takes MIN:MAX');
  });

  it('stops the stack when the process that started it is killed (no orphans)', async () => {
    const cli = await startCli(db.url);
    cli.wrapper.kill('SIGKILL'); // the tsx wrapper dies without forwarding anything
    await expectAllClosed(cli);
  }, 180_000);
});

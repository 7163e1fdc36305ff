import { isListening, waitFor } from '@conduit/stack';
import { createTestDatabase, TestRedisServer, type TestDatabase } from '@conduit/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRepository, REPO_ROOT, type RepoCopy } from '../support/repo-copy.js';

/**
 * `npm run dev` in a copy of the repository (so the test can edit sources): it serves the web app
 * through Vite with /api proxied to the API, runs the worker, and after a source file of the API
 * is saved, the API serves the new code. Behaviour is asserted, not how long the reload took.
 */
const tsx = `${REPO_ROOT}node_modules/tsx/dist/cli.mjs`;

describe('npm run dev', () => {
  let copy: RepoCopy;
  let db: TestDatabase;
  const cacheRedis = new TestRedisServer();
  const queueRedis = new TestRedisServer(['--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--dir', mkdtempSync(join(tmpdir(), 'conduit-dev-queue-'))]);
  let cli: ChildProcess;
  let output = '';

  beforeAll(async () => {
    [copy, db] = await Promise.all([copyRepository(), createTestDatabase(), cacheRedis.start(), queueRedis.start()]);
    cli = spawn(process.execPath, [tsx, 'libs/stack/src/dev/dev.cli.ts', '--random-ports', '--no-services', '--seed-scale', '0'], {
      cwd: copy.root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: db.url,
        REDIS_URL: cacheRedis.url,
        QUEUE_REDIS_URL: queueRedis.url,
        CACHE_ENABLED: 'false',
        RATE_LIMIT_ENABLED: 'false',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cli.stdout!.on('data', (chunk) => (output += chunk));
    cli.stderr!.on('data', (chunk) => (output += chunk));
    await waitFor(
      'dev mode to print its URLs',
      async () => {
        if (cli.exitCode !== null) throw new Error(`dev CLI exited early:\n${output}`);
        return output.includes('Ctrl-C stops everything');
      },
      90_000,
      200,
    );
  }, 120_000);

  afterAll(async () => {
    if (cli && cli.exitCode === null) {
      cli.kill('SIGTERM');
      await new Promise((resolve) => cli.once('exit', resolve));
    }
    await Promise.all([cacheRedis.stop(), queueRedis.stop(), db?.drop(), copy?.remove()]);
  });

  const url = (name: string) => {
    const match = new RegExp(`^  ${name}\\b[^\\n]*?http://127\\.0\\.0\\.1:(\\d+)`, 'm').exec(output);
    if (!match) throw new Error(`no ${name} URL in:\n${output}`);
    return `http://127.0.0.1:${match[1]}`;
  };
  const tags = async () => {
    const response = await fetch(`${url('web')}/api/tags`, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? ((await response.json()) as { tags: string[] }).tags : undefined;
  };

  it('serves the web app through Vite, the API behind its proxy, and the worker', async () => {
    const page = await fetch(url('web'), { signal: AbortSignal.timeout(5_000) });
    expect(await page.text()).toContain('<div id="root">');
    expect(await waitFor('the API behind the Vite proxy', tags, 30_000)).toEqual([]);
    await waitFor('the worker', async () => (await fetch(`${url('worker')}/health/live`, { signal: AbortSignal.timeout(1_000) })).ok, 30_000);
  }, 90_000);

  it('serves the new code after an API source file is saved', async () => {
    const file = join(copy.root, 'apps/api/src/tags/tags.service.ts');
    const source = await readFile(file, 'utf8');
    const marker = `reloaded-${process.pid}`;
    expect(source).toContain('return this.tags.inUse(MAX_TAGS_PER_RESPONSE);');
    expect(await tags()).not.toContain(marker);
    await writeFile(file, source.replace('return this.tags.inUse(MAX_TAGS_PER_RESPONSE);', `return Promise.resolve(['${marker}']);`));
    expect(await waitFor('the API to serve the saved change', async () => (await tags())?.includes(marker), 30_000, 100)).toBe(true);
    expect(output).toContain('apps/api/src/tags/tags.service.ts changed: restarting api');
  }, 60_000);

  it('stops every process on SIGTERM', async () => {
    const ports = ['web', 'api', 'worker'].map((name) => Number(new URL(url(name)).port));
    cli.kill('SIGTERM');
    await new Promise((resolve) => cli.once('exit', resolve));
    for (const port of ports) await waitFor(`port ${port} to close`, async () => !(await isListening(port)), 10_000, 100);
  });
});

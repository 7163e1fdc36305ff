import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import pg from 'pg';
import type { ManagedProcess } from '../managed-process.js';
import { waitFor } from '../wait-for.js';
import { pooledUrl, renderPgBouncerIni, renderUserlist, type PgBouncerSettings } from './pgbouncer-config.js';

/** Builds the child process that runs `command args` (the stack's StackProcesses.spawn, or a test's own). */
export type SpawnPgBouncer = (command: string, args: string[]) => ManagedProcess;

/**
 * PgBouncer (Debian's package) as a child process: writes its ini and userlist under
 * settings.dir, starts it and waits until a query passes through it. PgBouncer refuses to run as
 * root, so under root it switches to the postgres user (-u) and its files are made readable to it.
 */
export class PgBouncer {
  readonly url: string;
  readonly process: ManagedProcess;

  constructor(
    readonly settings: PgBouncerSettings,
    spawn: SpawnPgBouncer,
  ) {
    this.url = pooledUrl(settings);
    const ini = this.writeFiles();
    const asRoot = process.getuid?.() === 0;
    this.process = spawn('pgbouncer', [...(asRoot ? ['-u', 'postgres'] : []), ini]);
  }

  /** The admin console (SHOW POOLS, SHOW STATS): the virtual database "pgbouncer". */
  get adminUrl(): string {
    const url = new URL(this.url);
    url.pathname = '/pgbouncer';
    return url.toString();
  }

  async start(timeoutMs = 15_000): Promise<void> {
    this.process.start();
    await waitFor(`pgbouncer on ${this.settings.port}`, () => answers(this.url), timeoutMs);
  }

  async stop(): Promise<void> {
    await this.process.stop('SIGINT', 5_000);
  }

  private writeFiles(): string {
    const { dir } = this.settings;
    mkdirSync(dir, { recursive: true });
    const ini = join(dir, 'pgbouncer.ini');
    writeFileSync(join(dir, 'userlist.txt'), renderUserlist(this.settings.upstreamUrl), { mode: 0o600 });
    writeFileSync(ini, renderPgBouncerIni(this.settings));
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', timeout: 5_000 }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', timeout: 5_000 }).trim());
      chownSync(dir, uid, gid);
      for (const file of ['pgbouncer.ini', 'userlist.txt']) chownSync(join(dir, file), uid, gid);
      // A temporary run directory is 0700 (mkdtemp): the postgres user needs to pass through it.
      chmodSync(dirname(dir), 0o711);
    }
    return ini;
  }
}

/** One query through PgBouncer (so PostgreSQL behind it answers too), bounded by 2 s. */
async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000, query_timeout: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => {});
  }
}

import { applyMigrations, ensureDatabase } from '@conduit/db';
import { ManagedProcess, PgBouncer, type PgBouncerSettings } from '@conduit/stack';
import { freePort } from '@conduit/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PostgresCluster } from '../../../../load-tests/resilience/postgres-cluster.js';

const MIGRATIONS = fileURLToPath(new URL('../../../../prisma/migrations', import.meta.url));

export interface PooledCluster {
  cluster: PostgresCluster;
  /** The migrated database `conduit`, direct. */
  directUrl: string;
  pgbouncer: PgBouncer;
  stop(): Promise<void>;
}

/**
 * A PostgreSQL 15 cluster of the test's own (initdb in a temp dir, random port, `settings` such as
 * max_connections=50), never the machine's shared one, with the database migrated, and PgBouncer in
 * transaction mode in front of it (the same PgBouncer class the stack runs).
 */
export async function startPooledCluster(settings: string[], pgbouncer: Omit<PgBouncerSettings, 'port' | 'upstreamUrl' | 'dir'>): Promise<PooledCluster> {
  const cluster = new PostgresCluster(await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'conduit-pgbouncer-'));
  let bouncer: PgBouncer | undefined;
  const stop = async () => {
    await bouncer?.stop();
    cluster.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    cluster.init();
    await cluster.start(settings);
    const directUrl = `postgresql://postgres@127.0.0.1:${cluster.port}/conduit`;
    await ensureDatabase(directUrl);
    await applyMigrations(directUrl, MIGRATIONS);
    bouncer = new PgBouncer(
      { ...pgbouncer, port: await freePort(), upstreamUrl: directUrl, dir: join(dir, 'pgbouncer') },
      (command, args) => new ManagedProcess({ name: 'pgbouncer', command, args, env: { PATH: process.env.PATH }, cwd: dir, logFile: join(dir, 'pgbouncer.log'), supervise: false, log: () => {} }),
    );
    await bouncer.start();
    return { cluster, directUrl, pgbouncer: bouncer, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

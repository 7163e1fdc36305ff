import { applyMigrations, ensureDatabase } from '@conduit/db';
import { ManagedProcess, PostgresReplica } from '@conduit/stack';
import { freePort } from '@conduit/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PostgresCluster } from '../../../../load-tests/resilience/postgres-cluster.js';

const MIGRATIONS = fileURLToPath(new URL('../../../../prisma/migrations', import.meta.url));

export interface ReplicatedCluster {
  primary: PostgresCluster;
  /** The migrated database `conduit` on the primary. */
  primaryUrl: string;
  replica: PostgresReplica;
  stop(): Promise<void>;
}

/**
 * A primary of the test's own (initdb in a temp dir, random port, wal_level=replica: never the
 * machine's shared cluster) with the database migrated, and a streaming replica of it made by the
 * stack's PostgresReplica (pg_basebackup + slot), optionally delayed by recovery_min_apply_delay.
 */
export async function startReplicatedCluster(applyDelayMs: number): Promise<ReplicatedCluster> {
  const primary = new PostgresCluster(await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'conduit-replica-'));
  let replica: PostgresReplica | undefined;
  const stop = async () => {
    await replica?.destroy();
    primary.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    primary.init();
    await primary.start(['wal_level=replica', 'max_wal_senders=5', 'max_connections=100']);
    const primaryUrl = `postgresql://postgres@127.0.0.1:${primary.port}/conduit`;
    await ensureDatabase(primaryUrl);
    await applyMigrations(primaryUrl, MIGRATIONS);
    const port = await freePort();
    replica = new PostgresReplica(
      { primaryUrl, port, dir: join(dir, 'replica'), slot: `conduit_test_${port}`, applyDelayMs },
      (command, args) => new ManagedProcess({ name: 'postgres-replica', command, args, env: { PATH: process.env.PATH }, cwd: dir, logFile: join(dir, 'replica.log'), supervise: false, log: () => {} }),
    );
    await replica.start();
    return { primary, primaryUrl, replica, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

import { execFile } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { ManagedProcess } from '../managed-process.js';
import { waitFor } from '../wait-for.js';

const exec = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

export interface ReplicaSettings {
  /** The primary, as the apps reach it (its user must be allowed to replicate). */
  primaryUrl: string;
  port: number;
  /** Data directory parent; created, and removed by destroy(). */
  dir: string;
  /** Physical replication slot on the primary (the primary keeps WAL until the replica has it). */
  slot: string;
  /** recovery_min_apply_delay (tests: an artificially late replica). Default 0. */
  applyDelayMs?: number;
}

/** Builds the child process that runs `command args` (the stack's StackProcesses.spawn, or a test's own). */
export type SpawnReplica = (command: string, args: string[]) => ManagedProcess;

/**
 * A physical streaming replica of the primary as a local PostgreSQL 15 cluster (pattern: read
 * replica): pg_basebackup with a new replication slot (-C -S) and the standby settings (-R), then
 * `postgres` on its own port as a child process, hot standby, hot_standby_feedback on (queries on
 * it are not cancelled by the primary's vacuum). PostgreSQL refuses to run as root: under root
 * both run as the postgres user. Every call out is bounded.
 * destroy() drops the slot too: a slot without its replica makes the primary keep WAL forever.
 */
export class PostgresReplica {
  readonly process: ManagedProcess;
  private readonly asRoot = process.getuid?.() === 0;

  constructor(
    readonly settings: ReplicaSettings,
    spawn: SpawnReplica,
  ) {
    // The command line is fixed now; the settings copied from the primary go into the data directory's conf at start().
    const args = ['-D', this.dataDir, ...this.serverArgs()];
    this.process = this.asRoot ? spawn('setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', join(BIN, 'postgres'), ...args]) : spawn(join(BIN, 'postgres'), args);
  }

  get dataDir(): string {
    return join(this.settings.dir, 'data');
  }

  /** The replica's URL: the primary's database and user on the replica's port. */
  get url(): string {
    const url = new URL(this.settings.primaryUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.settings.port);
    return url.toString();
  }

  /** Copies the primary (pg_basebackup, at most 5 minutes) and starts streaming from it. */
  async start(timeoutMs = 60_000): Promise<void> {
    await this.dropSlot(); // left over by a crashed run
    rmSync(this.settings.dir, { recursive: true, force: true });
    mkdirSync(this.settings.dir, { recursive: true, mode: 0o700 });
    if (this.asRoot) {
      chownSync(this.settings.dir, ...(await postgresIds()));
      // A temporary run directory is 0700 (mkdtemp): the postgres user needs to pass through it.
      chmodSync(dirname(this.settings.dir), 0o711);
    }
    const basebackup = [join(BIN, 'pg_basebackup'), '-d', this.settings.primaryUrl, '-D', this.dataDir, '-X', 'stream', '-R', '-C', '-S', this.settings.slot, '--checkpoint=fast', '--no-sync'];
    try {
      await (this.asRoot ? exec('runuser', ['-u', 'postgres', '--', ...basebackup], { timeout: 300_000 }) : exec(basebackup[0], basebackup.slice(1), { timeout: 300_000 }));
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      throw new Error(`pg_basebackup from the primary failed (it needs wal_level replica, max_wal_senders > 0 and a pg_hba "replication" entry for this user): ${stderr || (error as Error).message}`, {
        cause: error,
      });
    }
    await this.writeConfig();
    this.process.start();
    await waitFor(`replica on ${this.settings.port}`, () => this.streaming(), timeoutMs, 250);
  }

  async stop(): Promise<void> {
    await this.process.stop('SIGINT', 15_000);
  }

  /** Stops the server, drops the slot on the primary and removes the data directory. */
  async destroy(): Promise<void> {
    await this.stop();
    await this.dropSlot();
    rmSync(this.settings.dir, { recursive: true, force: true });
  }

  /** True once it accepts queries in recovery. */
  private async streaming(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 1_000, query_timeout: 2_000 });
    try {
      await client.connect();
      return (await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0].r;
    } finally {
      await client.end().catch(() => {});
    }
  }

  private async dropSlot(): Promise<void> {
    const client = new pg.Client({ connectionString: this.settings.primaryUrl, connectionTimeoutMillis: 5_000, query_timeout: 10_000 });
    try {
      await client.connect();
      // An active slot belongs to a running replica (another stack's): leave it alone.
      await client.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [this.settings.slot]);
    } catch {
      // primary unreachable: the next start drops it
    } finally {
      await client.end().catch(() => {});
    }
  }

  private serverArgs(): string[] {
    const settings = [
      `port=${this.settings.port}`,
      'listen_addresses=127.0.0.1',
      `unix_socket_directories=${this.settings.dir}`,
      'hot_standby=on',
      'hot_standby_feedback=on',
      `recovery_min_apply_delay=${this.settings.applyDelayMs ?? 0}ms`,
      // The primary's data directory may hold its own (Debian keeps them in /etc): these are ours.
      'logging_collector=off',
      'shared_buffers=64MB',
      'fsync=off',
    ];
    return settings.flatMap((s) => ['-c', s]);
  }

  /**
   * Debian clusters keep postgresql.conf and pg_hba.conf in /etc, so pg_basebackup may copy none.
   * A hot standby also refuses to start with less than the primary of a few settings: copied.
   */
  private async writeConfig(): Promise<void> {
    const needed = ['max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction'];
    const client = new pg.Client({ connectionString: this.settings.primaryUrl, connectionTimeoutMillis: 5_000, query_timeout: 5_000 });
    let primary: Array<{ name: string; setting: string }>;
    try {
      await client.connect();
      primary = (await client.query<{ name: string; setting: string }>('SELECT name, setting FROM pg_settings WHERE name = ANY($1)', [needed])).rows;
    } finally {
      await client.end().catch(() => {});
    }
    const files: Record<string, string> = {
      'postgresql.conf': "# the replica's settings are on its command line (libs/stack/src/replica/postgres-replica.ts)\n",
      'pg_hba.conf': 'local all all trust\nhost all all 127.0.0.1/32 trust\n',
      'pg_ident.conf': '',
    };
    const ids = this.asRoot ? await postgresIds() : undefined;
    for (const [name, text] of Object.entries(files)) {
      const path = join(this.dataDir, name);
      if (existsSync(path)) continue;
      writeFileSync(path, text, { mode: 0o600 });
      if (ids) chownSync(path, ...ids);
    }
    // include_dir-free: postgresql.auto.conf (written by pg_basebackup -R) is read last, so append there.
    const auto = join(this.dataDir, 'postgresql.auto.conf');
    appendFileSync(auto, primary.map((r) => `${r.name} = '${r.setting}'\n`).join(''));
  }
}

async function postgresIds(): Promise<[number, number]> {
  const id = async (flag: string) => Number((await exec('id', [flag, 'postgres'], { timeout: 5_000 })).stdout.trim());
  return [await id('-u'), await id('-g')];
}

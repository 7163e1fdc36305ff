// The resilience suite's own PostgreSQL 15 cluster (initdb into a temp dir, port 5440): the
// scenarios stop, restart and terminate it, which must never touch the machine's shared
// PostgreSQL on 5432. Runs as the `postgres` OS user when started as root (initdb refuses root).
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = '/usr/lib/postgresql/15/bin';
const execFileAsync = promisify(execFile);

export class PostgresCluster {
  readonly dataDir: string;
  private readonly baseDir: string;
  private readonly asPostgres = process.getuid?.() === 0;

  constructor(readonly port: number) {
    this.baseDir = mkdtempSync(join(tmpdir(), 'conduit-resilience-pg-'));
    this.dataDir = join(this.baseDir, 'data');
  }

  get adminUrl(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private run(tool: string, args: string[], allowFail = false): string {
    const cmd = join(BIN, tool);
    const res = this.asPostgres ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' });
    if (res.status !== 0 && !allowFail) throw new Error(`${tool} ${args.join(' ')} failed: ${res.stderr || res.stdout}`);
    return res.stdout;
  }

  init(): void {
    if (!existsSync(join(BIN, 'initdb'))) throw new Error(`PostgreSQL 15 binaries not found in ${BIN}`);
    if (this.asPostgres) {
      chmodSync(this.baseDir, 0o755);
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(this.baseDir, uid, gid);
    }
    this.run('initdb', ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  }

  /** Async pg_ctl (start/stop take seconds; the load generator keeps running meanwhile). */
  private async runAsync(tool: string, args: string[]): Promise<void> {
    const cmd = join(BIN, tool);
    await (this.asPostgres ? execFileAsync('runuser', ['-u', 'postgres', '--', cmd, ...args]) : execFileAsync(cmd, args));
  }

  /** Starts and waits until it accepts connections (pg_ctl -w). Durable writes off: test data only.
   *  `settings`: extra `name=value` server settings (bench:cost preloads pg_stat_statements). */
  async start(settings: string[] = []): Promise<void> {
    const opts = [
      `-p ${this.port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${this.baseDir}`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
      '-c shared_buffers=64MB',
      ...settings.map((s) => `-c ${s}`),
    ].join(' ');
    await this.runAsync('pg_ctl', ['-D', this.dataDir, '-l', join(this.baseDir, 'postgres.log'), '-o', opts, '-w', '-t', '60', 'start']);
  }

  /** Fast shutdown (terminates sessions, like a restart by an operator). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.runAsync('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']).catch(() => {});
  }

  running(): boolean {
    return spawnSync(join(BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(this.port), '-t', '1']).status === 0;
  }

  destroy(): void {
    if (this.running()) this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', '-t', '60', 'stop'], true);
    rmSync(this.baseDir, { recursive: true, force: true });
  }
}

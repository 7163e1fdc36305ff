import { rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { ManagedProcess } from './managed-process.js';
import { REPO_ROOT } from './paths.js';

/** Where one stack run keeps its logs, pid file and data; a temporary one is removed on stop. */
export interface RunDirectory {
  dir: string;
  pidFile: string;
  temporary: boolean;
  /** Gives the directory up for the next stack (run-lock.ts). */
  release: () => void;
}

// LB first (no new traffic), then the apps (they drain), then what they depend on.
const STOP_ORDER = ['haproxy', 'prometheus', 'api', 'worker', 'pgbouncer', 'postgres-replica', 'redis'];

/**
 * Every child process one stack run started (and its static web server): spawns them with their
 * log files, records their pids for the next run's cleanup, and stops them in dependency order.
 */
export class StackProcesses {
  readonly list: ManagedProcess[] = [];
  staticServer?: Server;
  private stopped?: Promise<void>;
  private readonly cleanups: Array<() => Promise<void>> = [];
  private readonly killAll = () => {
    this.list.forEach((p) => p.killNow());
    this.run.release();
  };

  constructor(
    private readonly run: RunDirectory,
    private readonly log: (line: string) => void,
  ) {
    process.on('exit', this.killAll);
  }

  spawn(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, supervise: boolean): ManagedProcess {
    const logFile = join(this.run.dir, 'logs', `${name}.log`);
    const proc = new ManagedProcess({ name, command, args, env, cwd: REPO_ROOT, logFile, supervise, log: this.log });
    this.list.push(proc);
    return proc;
  }

  writePids(): void {
    const entries = this.list.filter((p) => p.pid).map((p) => ({ pid: p.pid, cmd: p.commandLine }));
    writeFileSync(this.run.pidFile, JSON.stringify(entries));
  }

  /** Runs after every process has stopped (e.g. dropping the replica's slot on the primary). */
  afterStop(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /** Idempotent: every caller gets the same stop. */
  stop(): Promise<void> {
    return (this.stopped ??= this.stopEverything());
  }

  private async stopEverything(): Promise<void> {
    process.off('exit', this.killAll);
    // Before the first await: children that got the terminal's SIGINT too exit while we stop the others.
    this.list.forEach((p) => p.retire());
    for (const prefix of STOP_ORDER) {
      await Promise.all(this.list.filter((p) => p.name.startsWith(prefix)).map((p) => p.stop('SIGTERM', 15_000)));
    }
    await new Promise<void>((resolve) => (this.staticServer ? this.staticServer.close(() => resolve()) : resolve()));
    for (const cleanup of this.cleanups) await cleanup().catch((error: Error) => this.log(`cleanup failed: ${error.message}`));
    this.list.forEach((p) => p.closeLog());
    rmSync(this.run.pidFile, { force: true });
    this.run.release();
    if (this.run.temporary) rmSync(this.run.dir, { recursive: true, force: true });
  }
}

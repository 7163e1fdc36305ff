import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface ManagedProcessOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** stdout and stderr are appended here. */
  logFile: string;
  /** Restart after an exit nobody asked for (crash, OOM, kill -9 from outside). */
  supervise: boolean;
  log: (line: string) => void;
}

/**
 * One child process of the stack, optionally supervised: an exit that was not requested through
 * stop()/kill() restarts it with a capped exponential backoff (1 s, 2 s, 4 s .. 10 s; reset after
 * 30 s of uptime). Tested in infra/test/stack/twin.e2e.spec.ts ("the supervisor restarts").
 */
export class ManagedProcess {
  private child?: ChildProcess;
  private wanted = false;
  private restartTimer?: NodeJS.Timeout;
  private backoffMs = 1_000;
  private startedAt = 0;
  private exitWaiters: Array<(code: number | null) => void> = [];
  restarts = 0;
  lastExit?: { code: number | null; signal: NodeJS.Signals | null };

  constructor(readonly options: ManagedProcessOptions) {}

  get name(): string {
    return this.options.name;
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  /** Command line as /proc/<pid>/cmdline shows it (used to clean up after a crashed stack). */
  get commandLine(): string[] {
    return [this.options.command, ...this.options.args];
  }

  start(): void {
    if (this.running) return;
    this.wanted = true;
    // The child writes its stdout/stderr straight into the log file (its own file descriptor), not
    // through a pipe this process must drain. Node writes to a pipe synchronously: with a busy
    // parent (the load-test driver runs the stack in-process) a full pipe blocked every API
    // instance at LOG_LEVEL=info for seconds - health checks timed out and HAProxy marked them DOWN.
    const fd = openSync(this.options.logFile, 'a');
    let child: ChildProcess;
    try {
      // detached: the child leads its own process group, so a terminal's Ctrl-C (SIGINT to the whole
      // foreground group) reaches only the stack CLI, which stops the children in dependency order.
      // In the terminal's group they would get SIGINT too and exit in whatever order the kernel
      // delivers it, racing the supervisor's restart.
      child = spawn(this.options.command, this.options.args, { cwd: this.options.cwd, env: this.options.env, stdio: ['ignore', fd, fd], detached: true });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    this.startedAt = Date.now();
    child.on('error', (error) => this.options.log(`${this.name}: failed to start: ${error.message}`));
    child.on('exit', (code, signal) => {
      this.lastExit = { code, signal };
      for (const resolve of this.exitWaiters.splice(0)) resolve(code);
      if (this.child !== child) return;
      if (!this.wanted || !this.options.supervise) return;
      if (Date.now() - this.startedAt > 30_000) this.backoffMs = 1_000;
      this.options.log(`${this.name} exited unexpectedly (code ${code}, signal ${signal}); restarting in ${this.backoffMs} ms`);
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        if (!this.wanted) return;
        this.restarts++;
        this.start();
      }, this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 10_000);
    });
  }

  /** Resolves when the current child exits (at once if none runs). */
  waitForExit(): Promise<number | null> {
    if (!this.running) return Promise.resolve(this.lastExit?.code ?? null);
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /** Sends a signal without restarting afterwards (an intentional kill, e.g. a fault test). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.wanted = false;
    this.clearRestart();
    this.child?.kill(signal);
  }

  /** Sends a signal from "outside": the supervisor treats the exit as a crash and restarts. */
  crash(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child?.kill(signal);
  }

  /** Graceful stop: `signal`, then SIGKILL after timeoutMs. Never restarts. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<void> {
    this.wanted = false;
    this.clearRestart();
    if (!this.running) return;
    const exited = this.waitForExit();
    this.child?.kill(signal);
    const timer = setTimeout(() => {
      this.options.log(`${this.name} did not stop within ${timeoutMs} ms: SIGKILL`);
      this.child?.kill('SIGKILL');
    }, timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /**
   * From now on an exit is expected: no restart, no "exited unexpectedly". Called synchronously when
   * the stack starts stopping, before it stops the children one group after another.
   */
  retire(): void {
    this.wanted = false;
    this.clearRestart();
  }

  /** Last-resort synchronous kill (process 'exit' handler). */
  killNow(): void {
    this.wanted = false;
    this.clearRestart();
    if (this.running) this.child?.kill('SIGKILL');
  }

  /** Nothing to flush: the child owns its log file descriptor (kept for callers). */
  closeLog(): void {}

  private clearRestart(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }
}

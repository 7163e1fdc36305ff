import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { formatLogLine } from './log-format.js';

export interface DevProcessOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Writes one already-formatted line of this process's output. */
  write: (line: string) => void;
  /** SIGTERM, then SIGKILL after this long (dev: the apps drain for 0 s). */
  stopTimeoutMs: number;
}

/**
 * One app of `npm run dev`: started, restarted after a rebuild, stopped on Ctrl-C. Unlike the
 * stack's ManagedProcess it pipes the output (a developer reads it, prefixed and formatted) and
 * does not restart a crash on its own: a crash in dev is a bug to read, and the next save restarts it.
 */
export class DevProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private restarting: Promise<void> = Promise.resolve();
  restarts = 0;

  constructor(private readonly options: DevProcessOptions) {}

  get name(): string {
    return this.options.name;
  }

  start(): void {
    const { command, args, cwd, env, write, name } = this.options;
    // Own process group: the terminal's Ctrl-C reaches only the dev CLI, which stops the apps in order.
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => write(formatLogLine(line)));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (this.child === child) write(`exited (code ${code}, signal ${signal}); the next change restarts it`);
        resolve();
      }),
    );
    child.once('error', (error) => write(`${name} failed to start: ${error.message}`));
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), this.options.stopTimeoutMs);
    child.kill('SIGTERM');
    await this.exited;
    clearTimeout(timer);
  }

  /** Restarts run one after another: saves landing during a restart queue behind it. */
  restart(): Promise<void> {
    this.restarting = this.restarting.then(async () => {
      await this.stop();
      this.restarts++;
      this.start();
    });
    return this.restarting;
  }
}

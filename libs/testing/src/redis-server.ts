import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';

/**
 * A throwaway `redis-server` on its own port for outage tests: kill it (SIGKILL), freeze it
 * (SIGSTOP, then SIGCONT) or restart it on the same port. No persistence, loopback only.
 * Always call stop() in afterAll; the process is also killed if the test process exits.
 */
export class TestRedisServer {
  protected child: ChildProcess | null = null;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** redis-server arguments; subclasses configure other roles (e.g. a persistent queue Redis). */
  protected serverArgs(): string[] {
    return ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--loglevel', 'warning'];
  }

  async start(): Promise<void> {
    if (this.child) throw new Error('already running');
    if (await ping(this.port)) throw new Error(`port ${this.port} is already in use (a leftover redis-server from a crashed run?)`);
    const child = spawn('redis-server', this.serverArgs(), { stdio: 'ignore' });
    this.child = child;
    const onExit = () => child.kill('SIGKILL');
    process.once('exit', onExit);
    child.once('exit', () => {
      process.removeListener('exit', onExit);
      if (this.child === child) this.child = null;
    });
    const deadline = Date.now() + 10_000;
    while (!(await ping(this.port))) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL and wait for the process to be gone (the port is free afterwards). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGCONT');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.kill();
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

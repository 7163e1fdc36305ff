import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import { freePort } from './free-port.js';

/**
 * A throwaway `redis-server` on its own port for outage tests: kill it (SIGKILL), freeze it
 * (SIGSTOP, then SIGCONT) or restart it on the same port. No persistence, loopback only.
 * The port comes from the OS on the first start() (never a fixed number, so test files and
 * parallel runs cannot collide) and is kept across restarts, unless the constructor fixes it
 * (for a process configured with the address before the server exists).
 * Always call stop() in afterAll; the process is also killed if the test process exits.
 */
export class TestRedisServer {
  protected child: ChildProcess | null = null;

  private assignedPort: number | undefined;

  /** `extraArgs`: more redis-server settings, e.g. ['--maxmemory-policy', 'noeviction']; `fixedPort`: listen there. */
  constructor(
    protected readonly extraArgs: string[] = [],
    fixedPort?: number,
  ) {
    this.assignedPort = fixedPort;
  }

  /** The server's port; known once start() has run. */
  get port(): number {
    if (this.assignedPort === undefined) throw new Error('TestRedisServer: call start() before reading its port');
    return this.assignedPort;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** redis-server arguments; subclasses configure other roles (e.g. a persistent queue Redis). */
  protected serverArgs(): string[] {
    return ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--loglevel', 'warning', ...this.extraArgs];
  }

  async start(): Promise<void> {
    if (this.child) throw new Error('already running');
    // First start: a free port from the OS; if another process takes it before redis-server binds,
    // try another. A restart, or a port fixed by the constructor, keeps it (clients reconnect to the same address).
    const firstStart = this.assignedPort === undefined;
    for (let attempt = 1; ; attempt++) {
      if (firstStart) this.assignedPort = await freePort();
      if (await this.tryStart()) return;
      if (!firstStart || attempt === 3) throw new Error(`redis-server on port ${this.port} did not start`);
    }
  }

  private async tryStart(): Promise<boolean> {
    if (await redisAnswers(this.port)) throw new Error(`port ${this.port} is already in use (a leftover redis-server from a crashed run?)`);
    const child = spawn('redis-server', this.serverArgs(), { stdio: 'ignore' });
    this.child = child;
    const onExit = () => child.kill('SIGKILL');
    process.once('exit', onExit);
    child.once('exit', () => {
      process.removeListener('exit', onExit);
      if (this.child === child) this.child = null;
    });
    const deadline = Date.now() + 10_000;
    while (!(await redisAnswers(this.port))) {
      // Exited at once: the port was taken meanwhile (or the arguments are wrong).
      if (child.exitCode !== null || child.signalCode !== null) return false;
      if (Date.now() > deadline) {
        await this.kill();
        return false;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
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

/** True when a Redis on 127.0.0.1:`port` answers PING within 500 ms. */
export function redisAnswers(port: number): Promise<boolean> {
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

/** Waits until an ioredis client is connected and ready (at most `timeoutMs`), else throws with its status. */
export async function redisReady(client: { readonly status: string }, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (client.status !== 'ready') {
    if (Date.now() > deadline) throw new Error(`redis not ready: ${client.status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

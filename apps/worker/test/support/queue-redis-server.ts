import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface QueueRedisOptions {
  /** Defaults to the settings BullMQ needs: noeviction + appendonly. */
  maxmemoryPolicy?: string;
  appendonly?: boolean;
}

/**
 * A real redis-server owned by the test (fixed port from the queue tests' range 6410-6419),
 * configured like production's queue Redis. The data directory survives stop()/start(), so a
 * restart recovers queued jobs from the append-only file, as a real restart would.
 */
export class QueueRedisServer {
  private child: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'conduit-queue-redis-'));

  constructor(readonly port: number, private readonly options: QueueRedisOptions = {}) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error('already running');
    if (await ping(this.port)) throw new Error(`port ${this.port} is already in use (a leftover redis-server from a crashed run?)`);
    const args = [
      '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--dir', this.dir, '--loglevel', 'warning',
      '--maxmemory-policy', this.options.maxmemoryPolicy ?? 'noeviction',
      '--appendonly', this.options.appendonly === false ? 'no' : 'yes',
    ];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
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

  /** Stops the server (SIGTERM: the AOF is flushed) and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** A plain client for assertions (disconnect it in the test). */
  client(): Redis {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1, connectTimeout: 2_000 });
    client.on('error', () => {}); // outage tests stop the server on purpose
    return client;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function ping(port: number): Promise<boolean> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

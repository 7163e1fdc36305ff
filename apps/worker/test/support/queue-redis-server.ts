import { TestRedisServer } from '@conduit/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface QueueRedisOptions {
  /** Defaults to the settings BullMQ needs: noeviction + appendonly. */
  maxmemoryPolicy?: string;
  appendonly?: boolean;
  /** A redis.conf to start from instead (e.g. infra/redis/queue.conf); port, bind and dir are still the test's. */
  configFile?: string;
}

/**
 * A real redis-server owned by the test (on a port the OS gives it), configured like
 * production's queue Redis. The data directory survives stop()/start(), so a
 * restart recovers queued jobs from the append-only file, as a real restart would.
 */
export class QueueRedisServer extends TestRedisServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'conduit-queue-redis-'));

  constructor(private readonly options: QueueRedisOptions = {}) {
    super();
  }

  protected override serverArgs(): string[] {
    if (this.options.configFile) return [this.options.configFile, '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir];
    return [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--dir',
      this.dir,
      '--loglevel',
      'warning',
      '--maxmemory-policy',
      this.options.maxmemoryPolicy ?? 'noeviction',
      '--appendonly',
      this.options.appendonly === false ? 'no' : 'yes',
    ];
  }

  /** Stops the server (SIGTERM: the AOF is flushed) and waits until it is gone. */
  override async stop(): Promise<void> {
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

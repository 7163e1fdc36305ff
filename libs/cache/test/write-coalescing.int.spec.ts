import { once } from 'node:events';
import { Redis } from 'ioredis';
import { redisReady, TestRedisServer } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coalesceWrites, createFailFastRedis } from '@conduit/cache';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type StreamInternals = { _write: (...a: unknown[]) => void; _writev?: (...a: unknown[]) => void };

/**
 * Counts the writes a client's socket hands to the kernel (net.Socket's _write for one chunk,
 * _writev for the chunks buffered while corked): one each per syscall. Redis's own read count
 * cannot tell the difference here, since an idle server finds a whole burst already waiting.
 */
function countSocketWrites(client: Redis): { readonly count: number } {
  const stream = client.stream as unknown as StreamInternals;
  const counter = { count: 0 };
  for (const name of ['_write', '_writev'] as const) {
    const original = stream[name];
    if (!original) continue;
    stream[name] = function counted(this: unknown, ...args: unknown[]) {
      counter.count++;
      return original.apply(this, args);
    };
  }
  return counter;
}

/** 50 commands issued in one turn, as 50 concurrent requests would; replies in order. */
async function fiftyIncrements(client: Redis, key: string): Promise<number[]> {
  return Promise.all(Array.from({ length: 50 }, () => client.incr(key)));
}

describe('coalesceWrites (a private redis-server)', () => {
  const server = new TestRedisServer();
  let observer: Redis;

  beforeAll(async () => {
    await server.start();
    observer = new Redis(server.url);
    await redisReady(observer);
  });

  afterAll(async () => {
    observer?.disconnect();
    await server.stop();
  });

  it('sends the commands of one turn in one write, with every reply in order', async () => {
    const plain = new Redis(server.url);
    const coalesced = coalesceWrites(new Redis(server.url));
    await Promise.all([redisReady(plain), redisReady(coalesced)]);

    const plainWrites = countSocketWrites(plain);
    const coalescedWrites = countSocketWrites(coalesced);
    const plainReplies = await fiftyIncrements(plain, 'plain');
    const coalescedReplies = await fiftyIncrements(coalesced, 'coalesced');

    const oneToFifty = Array.from({ length: 50 }, (_, i) => i + 1);
    expect(plainReplies).toEqual(oneToFifty);
    expect(coalescedReplies).toEqual(oneToFifty);
    expect(plainWrites.count).toBe(50);
    expect(coalescedWrites.count).toBe(1);
    plain.disconnect();
    coalesced.disconnect();
  });

  it('keeps commands of separate turns apart and answers each', async () => {
    const client = coalesceWrites(new Redis(server.url));
    await redisReady(client);
    const first = await client.set('k', 'a');
    await sleep(5);
    const second = await client.get('k');
    expect([first, second]).toEqual(['OK', 'a']);
    client.disconnect();
  });

  it('is applied again on the new socket after a reconnect (the fail-fast client)', async () => {
    const client = createFailFastRedis({ url: server.url, commandTimeoutMs: 1_000, name: 'coalescing-test' });
    await redisReady(client);
    const firstSocket = client.stream;
    const reconnected = once(client, 'ready');
    await observer.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await reconnected;
    expect(client.stream).not.toBe(firstSocket);
    await client.del('after');
    const writes = countSocketWrites(client);
    await fiftyIncrements(client, 'after');
    expect(writes.count).toBe(1);
    expect(await client.get('after')).toBe('50');
    client.disconnect();
  });
});

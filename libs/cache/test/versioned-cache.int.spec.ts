import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisReady, TEST_REDIS_URL, TestRedisServer } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFailFastRedis, VersionedCache, type VersionedCacheOptions } from '@conduit/cache';

const options = (prefix: string, overrides: Partial<VersionedCacheOptions> = {}): VersionedCacheOptions => ({
  prefix,
  ttlMs: 60_000,
  ttlJitterRatio: 0.2,
  versionTtlMs: 3_600_000,
  localMaxEntries: 100,
  localTtlMs: 60_000,
  lockTtlMs: 2_000,
  lockWaitMs: 1_000,
  ...overrides,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A computation that counts its runs and can be slowed down (to hold a stampede open). */
function counted(value: () => string, delayMs = 0) {
  const fn = async () => {
    fn.calls++;
    if (delayMs) await sleep(delayMs);
    return value();
  };
  fn.calls = 0;
  return fn;
}

describe('VersionedCache against the shared Redis', () => {
  const prefix = `tcache${randomBytes(4).toString('hex')}:`;
  let a: Redis;
  let b: Redis;
  let admin: Redis;

  beforeAll(async () => {
    a = createFailFastRedis({ url: TEST_REDIS_URL, commandTimeoutMs: 500, name: 'test-a' });
    b = createFailFastRedis({ url: TEST_REDIS_URL, commandTimeoutMs: 500, name: 'test-b' });
    admin = new Redis(TEST_REDIS_URL);
    await Promise.all([redisReady(a), redisReady(b)]);
  });
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`); // test cleanup only, never on a request path
    if (keys.length) await admin.del(...keys);
    a.disconnect();
    b.disconnect();
    admin.disconnect();
  });

  it('misses once, then serves the stored serialized body with a stable version', async () => {
    const cache = new VersionedCache(a, options(prefix));
    const compute = counted(() => JSON.stringify({ n: 1 }));
    const first = await cache.read({ cache: 't', key: 'k1', tags: ['t1'], compute });
    const second = await cache.read({ cache: 't', key: 'k1', tags: ['t1'], compute });
    expect(first).toMatchObject({ shared: '{"n":1}', source: 'computed' });
    expect(second).toMatchObject({ shared: '{"n":1}', source: 'redis' });
    expect(second.version).toBe(first.version);
    expect(compute.calls).toBe(1);
    const raw = await admin.get(`${prefix}e:k1`);
    expect(raw).toBe(`${first.version}\n{"n":1}`);
    const ttl = await admin.pttl(`${prefix}e:k1`);
    expect(ttl).toBeGreaterThan(40_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('a tag bump invalidates exactly the entries carrying that tag, on every instance', async () => {
    const ca = new VersionedCache(a, options(prefix, { localMaxEntries: 0 }));
    const cb = new VersionedCache(b, options(prefix, { localMaxEntries: 0 }));
    let n = 0;
    const listCompute = counted(() => `list${n}`);
    const otherCompute = counted(() => 'other');
    await ca.read({ cache: 't', key: 'list', tags: ['articles'], compute: listCompute });
    await ca.read({ cache: 't', key: 'other', tags: ['profiles'], compute: otherCompute });
    n = 1;
    await cb.invalidate(['articles']);
    const after = await ca.read({ cache: 't', key: 'list', tags: ['articles'], compute: listCompute });
    expect(after.shared).toBe('list1');
    expect((await ca.read({ cache: 't', key: 'other', tags: ['profiles'], compute: otherCompute })).source).toBe('redis');
    expect(listCompute.calls).toBe(2);
    expect(otherCompute.calls).toBe(1);
  });

  it('a missing (evicted) version key never makes an old entry current again', async () => {
    const cache = new VersionedCache(a, options(prefix, { localMaxEntries: 0 }));
    let n = 0;
    const compute = counted(() => `v${n}`);
    await cache.read({ cache: 't', key: 'ev', tags: ['ev'], compute });
    n = 1;
    await admin.del(`${prefix}v:ev`); // what an allkeys-lru eviction would do
    const read = await cache.read({ cache: 't', key: 'ev', tags: ['ev'], compute });
    expect(read.shared).toBe('v1');
    expect(compute.calls).toBe(2);
  });

  it('coalesces 200 concurrent misses into one computation per instance', async () => {
    const cache = new VersionedCache(a, options(prefix));
    const compute = counted(() => 'cold', 100);
    const reads = await Promise.all(Array.from({ length: 200 }, () => cache.read({ cache: 't', key: 'cold1', tags: ['c'], compute })));
    expect(compute.calls).toBe(1);
    expect(new Set(reads.map((r) => r.shared))).toEqual(new Set(['cold']));
  });

  it('the Redis lock bounds computations across two instances', async () => {
    const ca = new VersionedCache(a, options(prefix));
    const cb = new VersionedCache(b, options(prefix));
    const compute = counted(() => 'shared-cold', 200);
    const reads = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? ca : cb).read({ cache: 't', key: 'cold2', tags: ['c2'], compute })));
    // One instance computes under the lock; the other waits for its result (lockWaitMs 1 s > 200 ms).
    expect(compute.calls).toBe(1);
    expect(reads.every((r) => r.shared === 'shared-cold')).toBe(true);
    expect(await admin.exists(`${prefix}lock:cold2`)).toBe(0); // released by its owner
  });

  it('the read that finds a miss takes the fill lock; a reader that took it but joined a running fill gives it back', async () => {
    const client = createFailFastRedis({ url: TEST_REDIS_URL, commandTimeoutMs: 500, name: 'test-lock' });
    await redisReady(client);
    const lockKey = `${prefix}lock:handover`;
    // Counts read scripts answered on this client (the test waits for the second reader's).
    const reads = { answered: 0 };
    const cache = new VersionedCache(client, options(prefix, { lockTtlMs: 60_000 }));
    const cacheRead = (client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>).cacheRead.bind(client);
    (client as unknown as Record<string, unknown>).cacheRead = async (...args: unknown[]) => {
      const out = await cacheRead(...args);
      reads.answered++;
      return out;
    };
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const compute = counted(() => 'handed-over');
    const first = cache.read({ cache: 't', key: 'handover', tags: ['h'], compute: async () => (await held, compute()) });
    while (reads.answered < 1) await sleep(5);
    expect(await admin.exists(lockKey)).toBe(1); // taken by the first reader's read script
    // The lock expires (or its holder gave up) while that fill still runs here: the next reader's
    // read takes it, then joins the running fill instead of computing.
    await admin.del(lockKey);
    const second = cache.read({ cache: 't', key: 'handover', tags: ['h'], compute });
    while (reads.answered < 2) await sleep(5);
    release();
    expect((await Promise.all([first, second])).map((r) => r.shared)).toEqual(['handed-over', 'handed-over']);
    expect(compute.calls).toBe(1);
    await client.ping(); // the give-back was sent before this on the same connection
    expect(await admin.exists(lockKey)).toBe(0);
    client.disconnect();
  });

  it('local layer: own invalidations are seen at once, other instances within the local TTL', async () => {
    const ca = new VersionedCache(a, options(prefix, { localTtlMs: 300 }));
    const cb = new VersionedCache(b, options(prefix, { localTtlMs: 300 }));
    let n = 0;
    const compute = counted(() => `loc${n}`);
    const spec = { cache: 't', key: 'loc', tags: ['loc'], compute, local: true };
    expect((await ca.read(spec)).shared).toBe('loc0');
    expect((await ca.read(spec)).source).toBe('local');
    expect((await cb.read(spec)).shared).toBe('loc0');
    n = 1;
    await ca.invalidate(['loc']);
    expect((await ca.read(spec)).shared).toBe('loc1'); // the writer's instance: immediately
    expect((await cb.read(spec)).shared).toBe('loc0'); // another instance: still its local copy
    await sleep(350);
    expect((await cb.read(spec)).shared).toBe('loc1'); // ...until the local TTL passes
  });

  it('reads with a personal part reuse the in-process copy only once Redis confirmed its version', async () => {
    const ca = new VersionedCache(a, options(prefix, { localTtlMs: 60_000 }));
    const cb = new VersionedCache(b, options(prefix, { localTtlMs: 60_000 }));
    let n = 0;
    const compute = counted(() => `shared${n}`);
    const spec = () => ({
      cache: 't',
      key: 'confirm',
      tags: ['confirm'],
      compute,
      local: true,
      personal: { scope: 'u1', tags: ['viewer:u1'], compute: async (shared: string) => `p(${shared})` },
    });
    const first = await ca.read(spec());
    const second = await ca.read(spec());
    expect(second).toMatchObject({ shared: 'shared0', personal: 'p(shared0)', source: 'redis' });
    expect(second.handle).toBeDefined();
    expect(second.handle).toBe(first.handle); // the body did not travel again: the local copy was confirmed
    n = 1;
    await cb.invalidate(['confirm']); // another instance: this instance's local copy is now stale
    const third = await ca.read(spec());
    expect(third).toMatchObject({ shared: 'shared1', personal: 'p(shared1)' });
    expect(third.handle).not.toBe(first.handle);
    expect(compute.calls).toBe(2);
  });

  it('caches the personal part per scope and invalidates it with the scope tag only', async () => {
    const cache = new VersionedCache(a, options(prefix));
    const shared = counted(() => '[1,2,3]');
    const flags: Record<string, string> = { u1: 'fav:1', u2: 'fav:none' };
    const personalCalls: string[] = [];
    const read = (user: string) =>
      cache.read({
        cache: 't',
        key: 'plist',
        tags: ['articles'],
        compute: shared,
        personal: {
          scope: user,
          tags: [`flags:${user}`],
          compute: async (body) => {
            personalCalls.push(user);
            return `${flags[user]}@${body}`;
          },
        },
      });
    expect((await read('u1')).personal).toBe('fav:1@[1,2,3]');
    expect((await read('u2')).personal).toBe('fav:none@[1,2,3]');
    const again = await read('u1');
    expect(again.personal).toBe('fav:1@[1,2,3]');
    expect(personalCalls).toEqual(['u1', 'u2']);
    flags.u1 = 'fav:1,2';
    await cache.invalidate(['flags:u1']);
    const changed = await read('u1');
    expect(changed.personal).toBe('fav:1,2@[1,2,3]');
    expect(changed.version).not.toBe(again.version);
    expect((await read('u2')).personal).toBe('fav:none@[1,2,3]');
    expect(personalCalls).toEqual(['u1', 'u2', 'u1']);
    expect(shared.calls).toBe(1);
  });

  it('a per-scope personal entry (personal.key) is shared by every read of the scope and follows its tags only', async () => {
    const cache = new VersionedCache(a, options(prefix));
    const relations: Record<string, string> = { u1: 'fav:1', u2: 'fav:none' };
    const personalCalls: string[] = [];
    const shared = { p1: counted(() => 'page1'), p2: counted(() => 'page2') };
    const read = (user: string, page: 'p1' | 'p2') =>
      cache.read({
        cache: 't',
        key: `scoped-${page}`,
        tags: [`articles-${page}`],
        compute: shared[page],
        personal: {
          scope: `scoped-${user}`,
          key: 'relations',
          tags: [`viewer:scoped-${user}`],
          compute: async () => {
            personalCalls.push(user);
            return relations[user];
          },
        },
      });
    // Two pages, one computation of u1's part; u2 has its own.
    expect((await read('u1', 'p1')).personal).toBe('fav:1');
    expect((await read('u1', 'p2')).personal).toBe('fav:1');
    expect((await read('u2', 'p1')).personal).toBe('fav:none');
    expect(personalCalls).toEqual(['u1', 'u2']);
    // A change of the shared body does not recompute it, yet the read's version (an ETag) moves.
    const before = await read('u1', 'p1');
    await cache.invalidate(['articles-p1']);
    const afterShared = await read('u1', 'p1');
    expect(afterShared.personal).toBe('fav:1');
    expect(afterShared.version).not.toBe(before.version);
    expect(shared.p1.calls).toBe(2);
    expect(personalCalls).toEqual(['u1', 'u2']);
    // Its own tag does, for every page at once.
    relations.u1 = 'fav:1,2';
    await cache.invalidate(['viewer:scoped-u1']);
    expect((await read('u1', 'p2')).personal).toBe('fav:1,2');
    expect((await read('u1', 'p1')).personal).toBe('fav:1,2');
    expect(personalCalls).toEqual(['u1', 'u2', 'u1']);
  });

  it('a per-scope personal entry is recomputed after an epoch rotation (its own bump may be the one lost)', async () => {
    const scope = `epoch-${randomBytes(2).toString('hex')}`;
    const writerClient = createFailFastRedis({ url: TEST_REDIS_URL, commandTimeoutMs: 500, name: 'test-writer' });
    await redisReady(writerClient);
    const writer = new VersionedCache(writerClient, options(prefix, { localMaxEntries: 0 }));
    const reader = new VersionedCache(b, options(prefix, { localMaxEntries: 0 }));
    let relations = 'fav:none';
    const spec = {
      cache: 't',
      key: `page-${scope}`,
      tags: ['articles'],
      compute: counted(() => 'page'),
      personal: { scope, key: 'relations', tags: [`viewer:${scope}`], compute: counted(() => relations) },
    };
    try {
      expect((await reader.read(spec)).personal).toBe('fav:none');
      // The viewer's write commits, but its bump cannot reach Redis (the writer's connection is down).
      relations = 'fav:1';
      writerClient.disconnect(true); // drops the connection now; ioredis reconnects in the background
      await writer.invalidate([`viewer:${scope}`]);
      await redisReady(writerClient);
      // The writer's instance rotates the epoch before using Redis again (until then it reads
      // without Redis: version null)...
      let r = await writer.read(spec);
      for (let i = 0; i < 20 && r.version === null; i++) {
        await sleep(100);
        r = await writer.read(spec);
      }
      expect(r).toMatchObject({ personal: 'fav:1', version: expect.any(String) });
      // ...so the other instance, which never saw the bump, no longer matches the old entry.
      expect((await reader.read(spec)).personal).toBe('fav:1');
    } finally {
      writer.close();
      reader.close();
      writerClient.disconnect();
    }
  });

  it('a writer without a local layer that never reads (the worker) invalidates another instance', async () => {
    const cache = new VersionedCache(a, options(prefix, { localMaxEntries: 0 }));
    let n = 0;
    const compute = counted(() => `w${n}`);
    await cache.read({ cache: 't', key: 'worker', tags: ['people'], compute });
    n = 1;
    const writer = new VersionedCache(b, options(prefix, { localMaxEntries: 0, localTtlMs: 0 }));
    await writer.invalidate(['people']);
    writer.close();
    expect((await cache.read({ cache: 't', key: 'worker', tags: ['people'], compute })).shared).toBe('w1');
  });

  it('disabled: always computes', async () => {
    const cache = new VersionedCache(a, options(prefix, { enabled: false }));
    const compute = counted(() => 'x');
    await cache.read({ cache: 't', key: 'off', tags: [], compute });
    await cache.read({ cache: 't', key: 'off', tags: [], compute });
    expect(compute.calls).toBe(2);
  });
});

describe('VersionedCache during Redis outages (own redis-server)', () => {
  const server = new TestRedisServer();
  let a: Redis;
  let b: Redis;

  beforeAll(async () => {
    await server.start();
    a = createFailFastRedis({ url: server.url, commandTimeoutMs: 150, name: 'outage-a' });
    b = createFailFastRedis({ url: server.url, commandTimeoutMs: 150, name: 'outage-b' });
    await Promise.all([redisReady(a), redisReady(b)]);
  });
  afterAll(async () => {
    a?.disconnect();
    b?.disconnect();
    await server.stop();
  });

  it('fails open when Redis is killed, frozen and restarted, and resumes caching by itself', async () => {
    const cache = new VersionedCache(a, options('o:', { localMaxEntries: 0 }));
    const compute = counted(() => 'db');
    const read = () => cache.read({ cache: 't', key: 'k', tags: ['t'], compute });
    expect((await read()).source).toBe('computed');
    expect((await read()).source).toBe('redis');

    await server.kill();
    for (let i = 0; i < 5; i++) {
      const r = await read();
      expect(r).toMatchObject({ shared: 'db', source: 'computed', version: null });
    }
    await server.start();
    await redisReady(a);
    // Fresh Redis (empty): the next reads fill it, then hit it, once the breaker lets them through.
    const sources: string[] = [];
    for (let i = 0; i < 30 && sources.at(-1) !== 'redis'; i++) {
      sources.push((await read()).source);
      await sleep(50);
    }
    expect(sources.at(-1)).toBe('redis');
    expect(sources).toContain('computed');

    server.freeze();
    try {
      for (let i = 0; i < 6; i++) {
        const started = Date.now();
        const r = await read();
        expect(r.shared).toBe('db');
        expect(Date.now() - started).toBeLessThan(2_000); // budget is 150 ms; generous bound
      }
    } finally {
      server.thaw();
    }
    await sleep(600); // breaker open time
    let source = '';
    for (let i = 0; i < 20 && source !== 'redis'; i++) {
      source = (await read()).source;
      await sleep(100);
    }
    expect(source).toBe('redis');
  });

  it('an invalidation lost while Redis was frozen rotates the epoch before that instance uses Redis again', async () => {
    const ca = new VersionedCache(a, options('lost:', { localMaxEntries: 0 }));
    const cb = new VersionedCache(b, options('lost:', { localMaxEntries: 0 }));
    let n = 0;
    const compute = counted(() => `v${n}`);
    const spec = { cache: 't', key: 'k', tags: ['t'], compute };
    await ca.read(spec);
    expect((await cb.read(spec)).source).toBe('redis');
    n = 1;
    server.freeze();
    try {
      await ca.invalidate(['t']); // times out: the bump is lost
    } finally {
      server.thaw();
    }
    await sleep(600);
    await redisReady(a);
    // The writer's instance never serves the pre-write entry: it rotates the epoch first.
    let r = await ca.read(spec);
    for (let i = 0; i < 20 && r.version === null; i++) {
      await sleep(100);
      r = await ca.read(spec);
    }
    expect(r.shared).toBe('v1');
    expect(r.version).not.toBeNull();
    // ...and after the rotation no instance can match an entry written under the old epoch.
    expect((await cb.read(spec)).shared).toBe('v1');
  });
});

import { ApiClient, TestRedisServer, createTestDatabase, freePort, type TestDatabase } from '@conduit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiProcess, stopAll, type ApiProcess } from './support/api-process.js';
import { ack, waitFor } from './support/chat-client.js';
import { CHAT_TEST_ENV } from './support/chat-env.js';
import { ChatUser } from './support/chat-user.js';

const OUTAGE_MS = 8_000;

/**
 * The resync signal must not depend on traffic after the outage. Alice (instance 1) posts while
 * Redis is down, then the room goes quiet: nothing is published once Redis is back. Instance 1
 * must still tell every member to resync as soon as its adapter connection is back, so bob
 * (instance 2) gets alice's messages from history without anyone writing again. Room heads are off
 * here (CHAT_ROOM_HEAD_INTERVAL_MS=0) so that only the resync signal can recover them.
 */
describe('chat resync after a Redis outage in a quiet room', () => {
  let db: TestDatabase;
  const redis = new TestRedisServer(['--maxmemory-policy', 'noeviction']);
  let i1: ApiProcess | undefined;
  let i2: ApiProcess | undefined;
  const clients: ChatUser[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    await redis.start();
    const env = {
      ...CHAT_TEST_ENV,
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'quiet:',
      JWT_SECRET: 'redis-quiet-secret-0123456789abcd',
      CHAT_ROOM_HEAD_INTERVAL_MS: '0',
    };
    [i1, i2] = await Promise.all([startApiProcess('quiet-i1', await freePort(), env), startApiProcess('quiet-i2', await freePort(), env)]);
  }, 180_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await stopAll([i1, i2]);
    await redis.stop();
    await db?.drop();
  }, 60_000);

  it('every member resyncs once Redis is back, though nothing is posted after it', async () => {
    const alice = await ChatUser.connect(i1!.url, { token: (await new ApiClient(i1!.url).actingAsNewUser('alice')).token });
    const bob = await ChatUser.connect(i2!.url, { token: (await new ApiClient(i2!.url).actingAsNewUser('bob')).token });
    clients.push(alice, bob);
    const created = await ack(alice.socket, 'room:create', { name: 'quiet' });
    const roomId = created.room.id as number;
    for (const u of [alice, bob]) await u.join(roomId);
    const before = await alice.send(roomId, 'before');
    await waitFor(() => bob.messages.has(before.message.id), 15_000, 'baseline cross-instance delivery');

    await redis.kill();
    const during: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await alice.send(roomId, `during ${i}`);
      expect(res.ok).toBe(true);
      during.push(res.message.id);
      await new Promise((r) => setTimeout(r, OUTAGE_MS / 3));
    }
    expect(during.filter((id) => bob.messages.has(id))).toHaveLength(0); // no live path between the instances
    await redis.start();

    // Nothing is sent from here on: the signal has to come from the reconnection itself.
    await waitFor(() => during.every((id) => bob.messages.has(id)), 15_000, 'bob to recover the outage messages');
    expect(bob.resyncs).toBeGreaterThanOrEqual(1);
    expect(during.filter((id) => bob.replayed.has(id))).toHaveLength(during.length);
    expect(bob.bodies(roomId)).toEqual(['before', 'during 0', 'during 1', 'during 2']);
  }, 120_000);
});

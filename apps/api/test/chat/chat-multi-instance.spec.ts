import { ApiClient, FaultProxy, TEST_REDIS_URL, createTestDatabase, freePort, type TestDatabase } from '@conduit/testing';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiProcess, stopAll, type ApiProcess } from './support/api-process.js';
import { ack, connectChat, deleteRedisKeys, nextEvent, waitFor, type ChatClient } from './support/chat-client.js';
import { CHAT_TEST_ENV } from './support/chat-env.js';
import { ChatUser } from './support/chat-user.js';

/**
 * Two real API processes sharing PostgreSQL and Redis, clients spread over them: the Redis
 * Streams adapter carries events across instances, presence is shared and heals when an
 * instance dies, and clients of a killed or stopped instance reconnect to the other without
 * losing a message.
 */
describe('chat across two API processes', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let i1: ApiProcess | undefined;
  let i2: ApiProcess | undefined;
  // Load balancer stand-ins: each new connection goes to the first instance that accepts it.
  let lbA: FaultProxy; // alice's entry point: instance 1 first
  let lbB: FaultProxy; // bob's entry point: instance 2 first
  const users: Record<string, { token: string; username: string; client: ApiClient }> = {};
  const open: (ChatUser | ChatClient)[] = [];
  let roomId: number;
  let alice: ChatUser;
  let bob: ChatUser;
  const prefix = `tchat${randomBytes(3).toString('hex')}:`;
  // Instance ports from the OS; instance 2 is restarted on its port later.
  let PORT_1: number;
  let PORT_2: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = {
      ...CHAT_TEST_ENV,
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      JWT_SECRET: 'multi-instance-secret-0123456789',
      // Presence is what this file checks, not the Redis command budget (the outage files do
      // that): with the default 150 ms, a process starved of CPU on a busy 2-core box could time
      // out a presence write, and the join's answer would rightly leave that user out. The TTL
      // is short so a killed instance's entries expire within the test, and long enough that a
      // live user's entry outlasts a few seconds of a starved process between heartbeats (TTL / 3).
      REDIS_COMMAND_TIMEOUT_MS: '2000',
      CHAT_PRESENCE_TTL_MS: '6000',
      // SIGTERM: 1 s of draining (readiness 503, new chat handshakes refused) before closing.
      SHUTDOWN_DRAIN_DELAY_MS: '1000',
    };
    [PORT_1, PORT_2] = [await freePort(), await freePort()];
    [i1, i2] = await Promise.all([startApiProcess('chat-i1', PORT_1, env), startApiProcess('chat-i2', PORT_2, env)]);
    lbA = new FaultProxy({ targets: [PORT_1, PORT_2] });
    lbB = new FaultProxy({ targets: [PORT_2, PORT_1] });
    await Promise.all([lbA.start(), lbB.start()]);
    for (const [name, instance] of [
      ['alice', i1],
      ['bob', i2],
      ['carol', i2],
      ['dave', i2],
    ] as const) {
      users[name] = await new ApiClient(instance.url).actingAsNewUser(name);
    }
  }, 180_000);

  afterAll(async () => {
    for (const c of open) (c as { close(): void }).close();
    await lbA?.stop();
    await lbB?.stop();
    await stopAll([i1, i2]);
    await deleteRedisKeys(TEST_REDIS_URL, prefix);
    await db?.drop();
  }, 60_000);

  it('delivers messages and typing from instance 1 to instance 2, shares presence and history', async () => {
    alice = await ChatUser.connect(lbA.url, { token: users.alice.token });
    bob = await ChatUser.connect(lbB.url, { token: users.bob.token });
    open.push(alice, bob);
    const created = await ack(alice.socket, 'room:create', { name: 'across' });
    roomId = created.room.id;
    await alice.join(roomId);
    const bobJoin = await bob.join(roomId);
    expect(bobJoin.users.map((u: { username: string }) => u.username).sort()).toEqual([users.alice.username, users.bob.username].sort());

    const sent = await alice.send(roomId, 'from instance 1');
    await waitFor(() => bob.messages.has(sent.message.id), 15_000, "bob to receive alice's message");
    expect(bob.messages.get(sent.message.id)).toEqual(sent.message);
    const reply = await bob.send(roomId, 'from instance 2');
    await waitFor(() => alice.messages.has(reply.message.id), 15_000, "alice to receive bob's reply");

    const typing = nextEvent(bob.socket, 'typing');
    await ack(alice.socket, 'typing', { roomId });
    expect(await typing).toMatchObject({ roomId, user: { username: users.alice.username } });

    const presence = await ack(alice.socket, 'presence:get', { roomId });
    expect(presence.users.map((u: { username: string }) => u.username).sort()).toEqual([users.alice.username, users.bob.username].sort());

    const viaI1 = await users.alice.client.as(users.alice.token).get(`/api/chat/rooms/${roomId}/messages`);
    const viaI2 = await new ApiClient(i2!.url, users.bob.token).get(`/api/chat/rooms/${roomId}/messages`);
    expect(viaI1.status).toBe(200);
    expect(viaI1.body).toEqual(viaI2.body);
    expect(viaI1.body.messages.map((m: { body: string }) => m.body)).toEqual(['from instance 2', 'from instance 1']);
  });

  it('works over HTTP long-polling directly against one instance', async () => {
    const carol = await ChatUser.connect(i2!.url, { token: users.carol.token, transports: ['polling'] });
    open.push(carol);
    expect(carol.socket.io.engine.transport.name).toBe('polling');
    await carol.join(roomId);
    const sent = await alice.send(roomId, 'to a polling client');
    await waitFor(() => carol.messages.has(sent.message.id), 15_000, 'carol (polling) to receive');
    const back = await carol.send(roomId, 'from a polling client');
    await waitFor(() => alice.messages.has(back.message.id), 15_000, "alice to receive carol's message");
    carol.close();
  });

  it('an instance is killed: its clients reconnect to the other, miss nothing, and its presence entries expire', async () => {
    // Dave stays on instance 2 without reconnecting: his presence must disappear when it dies.
    const dave = await ChatUser.connect(i2!.url, { token: users.dave.token, reconnection: false });
    open.push(dave);
    await dave.join(roomId);
    expect((await ack(alice.socket, 'presence:get', { roomId })).users.map((u: { username: string }) => u.username)).toContain(users.dave.username);

    const bodies: string[] = [];
    i2!.kill('SIGKILL');
    await i2!.exited;
    for (let i = 0; i < 10; i++) {
      const res = await alice.send(roomId, `while instance 2 is dead ${i}`);
      expect(res.ok).toBe(true);
      bodies.push(res.message.body);
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitFor(() => bodies.every((b) => bob.bodies(roomId).includes(b)), 30_000, 'bob to get every message after reconnecting').catch((error) => {
      console.error({ connected: bob.socket.connected, reconnects: bob.reconnects, got: bob.bodies(roomId).slice(-12) }, i1!.output.slice(-20));
      throw error;
    });
    expect(bob.reconnects).toBeGreaterThanOrEqual(1);
    expect(i1!.alive).toBe(true);

    // Dave's socket died with instance 2: within the presence TTL he drops out everywhere.
    await waitFor(
      async () => {
        const res = await ack(alice.socket, 'presence:get', { roomId });
        return res.ok && !res.users.some((u: { username: string }) => u.username === users.dave.username);
      },
      20_000,
      'dave to drop out of presence',
    );
    const after = await ack(alice.socket, 'presence:get', { roomId });
    expect(after.users.map((u: { username: string }) => u.username).sort()).toEqual([users.alice.username, users.bob.username].sort());
  }, 120_000);

  it('SIGTERM: the instance drains, lets clients reconnect elsewhere (no message lost) and exits 0 by itself', async () => {
    i2 = await startApiProcess('chat-i2b', PORT_2, env);
    const stopping = i1!;
    const bodies: string[] = [];
    const sender = (async () => {
      // Alice keeps sending through her load balancer while her instance goes away.
      for (let i = 0; i < 20; i++) {
        try {
          const res = await ack(alice.socket, 'message:send', { roomId, body: `during shutdown ${i}` }, 3_000);
          if (res.ok) bodies.push(res.message.body);
        } catch {
          /* no ack while reconnecting: not stored, not counted */
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    stopping.kill('SIGTERM');
    // While draining, the instance still serves its connected clients but refuses new handshakes.
    await new Promise((r) => setTimeout(r, 300));
    const refused = await connectChat(stopping.url, { token: users.dave.token, reconnection: false }).then(
      (s) => (s.disconnect(), null),
      (e: Error) => e,
    );
    expect(refused).toBeInstanceOf(Error);
    const exit = await stopping.exited;
    await sender;
    expect(exit).toEqual({ code: 0, signal: null });
    await waitFor(() => alice.socket.connected && bob.socket.connected, 30_000, 'both clients to reconnect to instance 2');
    await waitFor(() => bodies.every((b) => bob.bodies(roomId).includes(b)), 30_000, 'bob to get every stored message').catch((error) => {
      const missing = bodies.filter((b) => !bob.bodies(roomId).includes(b));
      console.error({ missing, bobReconnects: bob.reconnects, bobRecovered: bob.recoveredReconnects, resyncErrors: bob.resyncErrors }, stopping.output.slice(-20));
      throw error;
    });
    const last = await alice.send(roomId, 'after failover');
    await waitFor(() => bob.messages.has(last.message.id), 15_000, 'delivery on the surviving instance');
    expect(bodies.length).toBeGreaterThan(0);
    console.info(
      `[chat] SIGTERM failover: ${bodies.length} messages stored during shutdown; alice reconnects ${alice.reconnects} (recovered by Socket.IO ${alice.recoveredReconnects}), bob reconnects ${bob.reconnects} (recovered ${bob.recoveredReconnects})`,
    );
  }, 120_000);
});

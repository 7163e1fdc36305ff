import { expectVisible } from './conduit.steps.js';
import { expectOnce, messages, send, status, waitUntil, type ChatScenario } from './chat-helpers.js';
import { assertAccessible, type StepRunner } from './e2e-harness.js';
import { redisOutageStep } from './chat-outage.steps.js';

/**
 * Two users in one room, pinned to DIFFERENT API instances through the load balancer's own
 * Socket.IO stickiness cookie (io_srv=api-1 / api-2), verified on each instance's
 * chat_socket_connections gauge; then instance 2 is killed and its user reconnects through the
 * load balancer to instance 1 without losing a message.
 */
export async function chatSteps(runner: StepRunner, s: ChatScenario): Promise<void> {
  const a = s.alice.page;
  const b = s.bob.page;
  const room = `lobby-${s.suffix}`;
  let roomPath = '';

  await runner.step('chat: alice (pinned to api-1) creates a room', async () => {
    await s.alice.context.addCookies([{ name: 'io_srv', value: 'api-1', url: s.origin }]);
    await s.bob.context.addCookies([{ name: 'io_srv', value: 'api-2', url: s.origin }]);
    await a.getByRole('link', { name: 'Chat', exact: true }).click();
    await waitUntil('alice connected', async () => (await status(a)) === 'online');
    await a.getByLabel('New room').fill(room);
    await a.getByRole('button', { name: 'Create' }).click();
    await a.waitForURL(/\/chat\/\d+$/);
    roomPath = new URL(a.url()).pathname;
    await expectVisible(a, a.getByRole('heading', { name: `# ${room}` }), 'the room heading');
  });

  await runner.step('chat: bob (pinned to api-2) joins from the room list', async () => {
    await b.goto(`${s.origin}/chat`);
    await waitUntil('bob connected', async () => (await status(b)) === 'online');
    await b.getByRole('link', { name: `# ${room}` }).click();
    await b.waitForURL(new RegExp(`${roomPath}$`));
    await expectVisible(b, b.getByRole('heading', { name: `# ${room}` }), 'the room heading');
    // One socket on each instance: the two users really are on different API processes.
    await waitUntil('one chat socket on each instance', async () => (await s.metrics(0)) === 1 && (await s.metrics(1)) === 1);
  });

  await runner.step('chat: presence across instances', async () => {
    await waitUntil('alice sees bob online', async () => (await a.getByTestId('presence').innerText()).includes(s.users.bob));
    await waitUntil('bob sees alice online', async () => (await b.getByTestId('presence').innerText()).includes(s.users.alice));
    await assertAccessible(a, 'the chat room');
  });

  await runner.step('chat: typing indicator across instances', async () => {
    await b.getByLabel(/^Message #/).pressSequentially('hel', { delay: 40 });
    await waitUntil('alice sees bob typing', async () => (await a.getByTestId('typing').innerText()).includes(`${s.users.bob} is typing`));
  });

  await runner.step('chat: messages both ways in real time', async () => {
    await send(b, 'hello from api-2');
    await expectOnce(a, 'hello from api-2', 'alice');
    await waitUntil('the typing indicator clears', async () => (await a.getByTestId('typing').innerText()).trim() === '');
    await send(a, 'hi bob, this is api-1');
    await expectOnce(b, 'hi bob, this is api-1', 'bob');
    await expectOnce(a, 'hello from api-2', 'alice');
  });

  // Both users still on different instances: the Redis adapter between them goes away.
  const outageMessages = await redisOutageStep(runner, s);

  await runner.step('chat: instance 2 dies, bob reconnects through the LB and misses nothing', async () => {
    // Bob's browser goes offline first so his reconnect cannot beat alice's messages: they must
    // come back from history (room:join with the last id he saw), not from the live stream.
    await s.bob.context.setOffline(true);
    await s.stack.killInstance(2);
    await waitUntil('bob sees the connection drop', async () => (await status(b)) !== 'online');
    const missed = ['while you were away 1', 'while you were away 2', 'while you were away 3'];
    for (const text of missed) await send(a, text);
    await s.bob.context.setOffline(false);
    await waitUntil('bob back online', async () => (await status(b)) === 'online', 30_000);
    for (const text of missed) await expectOnce(b, text, 'bob');
    await expectOnce(b, 'hello from api-2', 'bob');
    await expectOnce(b, 'hi bob, this is api-1', 'bob');
    await waitUntil('both sockets now on instance 1', async () => (await s.metrics(0)) === 2);
    await send(b, 'back, via api-1');
    await expectOnce(a, 'back, via api-1', 'alice');
  });

  await runner.step('chat: history scroll-back with the cursor', async () => {
    // 60 more messages straight into PostgreSQL: the room now has more than one page (50).
    const roomId = Number(roomPath.split('/').pop());
    await s.sql(
      `INSERT INTO chat_messages (room_id, author_id, body)
       SELECT $1, u.id, 'history ' || g FROM users u, generate_series(1, 60) g WHERE u.username = $2 ORDER BY g`,
      [roomId, s.users.alice],
    );
    await b.reload();
    await expectVisible(b, messages(b, 'history 60'), 'the newest message after reload');
    if ((await messages(b, 'history 1').count()) !== 0) throw new Error('the oldest page was shown before scrolling back');
    const older = b.getByRole('button', { name: 'Load earlier messages' });
    await older.click();
    await expectOnce(b, 'history 1', 'bob');
    await expectOnce(b, 'hello from api-2', 'bob');
    await waitUntil('no more older pages', async () => (await older.count()) === 0);
    const total = await b.getByTestId('chat-message').count();
    const expected = 6 + outageMessages + 60;
    if (total !== expected) throw new Error(`expected ${expected} messages after scroll-back, saw ${total}`);
  });
}

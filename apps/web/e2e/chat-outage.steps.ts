import type { Page } from 'playwright-core';
import { redisAnswers } from '../../../libs/stack/src/redis-probe.js';
import { expectOnce, send, status, waitUntil, type ChatScenario } from './chat-helpers.js';
import type { StepRunner } from './e2e-harness.js';

/**
 * Redis outage length. The case is 90 s (`WEB_E2E_REDIS_OUTAGE_S=90`); CI runs 12 s, which
 * still spans two room:head rounds (CHAT_ROOM_HEAD_INTERVAL_MS, 5 s) and the resync when Redis returns.
 */
const OUTAGE_S = Number(process.env.WEB_E2E_REDIS_OUTAGE_S ?? 12);

const shown = (page: Page) => page.locator('[data-testid=chat-message] .body').allInnerTexts();

/**
 * The cache Redis (the Socket.IO adapter between the instances) is killed while alice (api-1) and
 * bob (api-2) keep chatting, then comes back. Messages stay stored in PostgreSQL; the pages must
 * end with every message exactly once, in the same order on both screens: what crossed instances
 * during the outage comes from history (room:head -> room:sync, resync), never twice.
 * Returns how many messages it added to the room.
 */
export async function redisOutageStep(runner: StepRunner, s: ChatScenario): Promise<number> {
  const a = s.alice.page;
  const b = s.bob.page;
  const during = [
    [a, 'outage: alice 1'],
    [b, 'outage: bob 1'],
    [a, 'outage: alice 2'],
    [b, 'outage: bob 2'],
  ] as const;
  const after = [
    [a, 'after the outage: alice'],
    [b, 'after the outage: bob'],
  ] as const;
  await runner.step(`chat: a ${OUTAGE_S} s Redis outage, then every message shown once on both screens`, async () => {
    const redis = s.stack.processes.find((p) => p.name === 'redis-cache');
    if (!redis) throw new Error('the stack does not manage redis-cache');
    const before = await shown(a);
    const started = Date.now();
    redis.kill('SIGKILL');
    try {
      const gap = (OUTAGE_S * 1000) / (during.length + 1);
      // Spread over the outage: some land between two room:head rounds, some just before Redis returns.
      for (const [i, [page, text]] of during.entries()) {
        await new Promise((r) => setTimeout(r, Math.max(0, started + gap * (i + 1) - Date.now())));
        await send(page, text);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, started + OUTAGE_S * 1000 - Date.now())));
    } finally {
      redis.start();
    }
    await waitUntil('redis-cache answers again', () => redisAnswers(s.stack.urls.cacheRedis), 15_000);
    await waitUntil('both users online', async () => (await status(a)) === 'online' && (await status(b)) === 'online', 30_000);
    for (const [page, text] of after) await send(page, text);
    for (const [, text] of [...during, ...after]) {
      await expectOnce(a, text, 'alice');
      await expectOnce(b, text, 'bob');
    }
    const [onA, onB] = [await shown(a), await shown(b)];
    const expected = [...before, ...during.map(([, t]) => t), ...after.map(([, t]) => t)];
    for (const [who, list] of [
      ['alice', onA],
      ['bob', onB],
    ] as const) {
      if (new Set(list).size !== list.length) throw new Error(`${who} shows a message twice: ${JSON.stringify(list)}`);
      if (list.length !== expected.length) throw new Error(`${who} shows ${list.length} messages, expected ${expected.length}: ${JSON.stringify(list)}`);
    }
    if (onA.join('\n') !== onB.join('\n')) throw new Error(`alice and bob show different orders: ${JSON.stringify(onA)} vs ${JSON.stringify(onB)}`);
  });
  return during.length + after.length;
}

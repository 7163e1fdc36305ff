// Lost-ack resend storm: chat senders whose acks are lost resend with the same client id, at once
// on a second connection (which the load balancer may put on the other instance), again on the
// same socket, and after cutting their own connection right after a send. The server must store
// each message once and answer every resend with the original; members must show it once.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { newClientId } from '../../../libs/contracts/src/chat.ts';
import type { ChatMessage, ChatProbe, ProbeClient } from '../chat-probe.ts';
import { check, type FaultContext, type FaultOutcome, type ScenarioSpec } from '../scenario-runner.ts';
import type { Durations } from './durations.ts';
import { chatDelivered, noExits } from './judging.ts';

interface StormTally {
  /** Client id -> stored ids named by every answer to it (the original and each resend). */
  answers: Map<string, Set<number>>;
  sends: number;
  /** Resends refused for a reason other than a duplicate (rate limit, not joined yet): retried. */
  refusals: Record<string, number>;
  /** Messages whose every attempt went unanswered. */
  unanswered: number;
  connectionsCut: number;
}

/** A send whose ack is dropped; resends until one is answered with ok (forbidden right after a reconnect: not joined yet). */
async function sendUntilAnswered(probe: ChatProbe, c: ProbeClient, body: string, clientId: string, t: StormTally, tries = 10): Promise<ChatMessage | undefined> {
  for (let i = 0; i < tries; i++) {
    t.sends += 1;
    const ack = await probe.emitSend(c.socket, body, clientId);
    if (ack !== 'timeout' && ack.ok && ack.message) {
      let ids = t.answers.get(clientId);
      if (!ids) t.answers.set(clientId, (ids = new Set()));
      ids.add(ack.message.id);
      return ack.message;
    }
    const why = ack === 'timeout' ? 'timeout' : (ack.code ?? 'error');
    t.refusals[why] = (t.refusals[why] ?? 0) + 1;
    await sleep(300);
  }
  return undefined;
}

/** One logical message of sender c: the first ack is "lost", the same client id goes out three more times. */
async function stormMessage(probe: ChatProbe, c: ProbeClient, twin: ProbeClient, seq: number, t: StormTally): Promise<void> {
  const clientId = newClientId();
  const body = `rp:${c.n}:storm-${seq}:${Date.now()}`;
  const cut = seq % 3 === 0;
  const first = sendUntilAnswered(probe, c, body, clientId, t, 1); // its ack is dropped: never recorded as the sender's
  if (cut) {
    // The connection dies with the ack on its way: the client reconnects (and re-joins) and resends.
    t.connectionsCut += 1;
    c.socket.io.engine?.close();
  }
  const concurrent = sendUntilAnswered(probe, twin, body, clientId, t);
  await sleep(cut ? 500 : 200);
  const last = await sendUntilAnswered(probe, c, body, clientId, t);
  await Promise.all([first, concurrent]);
  if (last) probe.recordAck(c, last);
  else t.unanswered += 1;
}

async function resendStorm(ctx: FaultContext, seconds: number): Promise<FaultOutcome> {
  const probe = ctx.chat!;
  const senders = probe.clients.filter((c) => !c.twin).slice(0, 3);
  const twins = await Promise.all(senders.map((c) => probe.connect(c.n, true)));
  const t: StormTally = { answers: new Map(), sends: 0, refusals: {}, unanswered: 0, connectionsCut: 0 };
  const running: Promise<void>[] = [];
  for (let s = 0; s < seconds; s++) {
    senders.forEach((c, i) => running.push(stormMessage(probe, c, twins[i], s * senders.length + i, t)));
    await sleep(1_000);
  }
  await Promise.all(running);
  for (const twin of twins) twin.socket.disconnect();

  const db = new pg.Client({ connectionString: ctx.env.directDbUrl });
  await db.connect();
  const ids = [...t.answers.keys()];
  const { rows } = await db.query<{ client_id: string; n: string }>('SELECT client_id, count(*) AS n FROM chat_messages WHERE client_id = ANY($1::uuid[]) GROUP BY client_id', [ids]);
  const room = await db.query<{ dup: string }>('SELECT count(*) - count(DISTINCT (author_id, client_id)) AS dup FROM chat_messages WHERE room_id = $1 AND client_id IS NOT NULL', [probe.roomId]);
  await db.end();
  const storedTwice = rows.reduce((a, r) => a + Number(r.n) - 1, 0);
  const roomDup = Number(room.rows[0]?.dup ?? 0);
  const missing = ids.length - rows.length;
  const mismatched = [...t.answers.values()].filter((s) => s.size > 1).length;
  return {
    liftedAt: Date.now(),
    liftedPerf: performance.now(),
    figures: {
      'storm messages': `${ids.length} (${t.sends} sends with their client ids, ${t.connectionsCut} connections cut after a send; refused and retried: ${JSON.stringify(t.refusals)})`,
      'duplicates stored': storedTwice + roomDup,
    },
    checks: [
      check('0 duplicates stored', storedTwice === 0 && roomDup === 0, `${storedTwice} extra rows for the storm's client ids, ${roomDup} in the room (${ids.length} messages, ${t.sends} sends)`),
      check('every resend answered with the original', mismatched === 0, `${mismatched} client ids answered with more than one stored id`),
      check('every storm message stored and acknowledged', missing === 0 && t.unanswered === 0 && ids.length > 0, `${missing} not stored, ${t.unanswered} never acknowledged`),
    ],
  };
}

export function chatResendStorm(d: Durations): ScenarioSpec {
  const seconds = d.faultS * 2;
  return {
    name: `chat lost-ack resend storm ${seconds} s`,
    expected: 'each message stored once whatever the resends (same client id, other connection, after a cut connection); every resend answered with the original; 0 duplicates shown, 0 lost',
    chat: true,
    beforeS: d.beforeS,
    afterS: d.afterS,
    fault: (ctx) => resendStorm(ctx, seconds),
    judge: ({ chat, exits }) => [...chatDelivered(chat), noExits(exits)],
  };
}

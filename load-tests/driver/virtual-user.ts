// One driver virtual user: the persona's journey from shared/journeys.ts, step by step with a
// think time between steps, until told to stop. Signed-in personas log in once (pre-seeded
// account) before their first iteration.
import { setTimeout as sleep } from 'node:timers/promises';
import { chatRoomIndex } from '../shared/chat-protocol.ts';
import { loginCall, newIteration, type HttpCall, type JourneyDef, type VuState } from '../shared/journeys.ts';
import { accountEmail, type LoadSettings } from '../shared/settings.ts';
import { thinkTimeMs } from '../shared/weighted-choice.ts';
import { runChatSession } from './chat-session.ts';
import { sendHttp, type SourceAddressPool } from './http-client.ts';
import type { Recorder } from './recorder.ts';
import type { SignInPolicy } from './sign-in-policy.ts';

export interface VirtualUserContext {
  settings: LoadSettings;
  vu: number;
  journey: JourneyDef;
  pool: SourceAddressPool;
  rec: Recorder;
  roomIds: readonly number[];
  stop: AbortSignal;
  /** Spread the first request over this many ms (no thundering herd at each ramp tick). */
  startJitterMs: number;
  /** Returning users' sessions and a paced sign-in (stress runs: sign-in-policy.ts); unset = everyone signs in at once. */
  signIn?: SignInPolicy;
}

async function pause(ms: number, stop: AbortSignal): Promise<boolean> {
  if (stop.aborted) return false;
  try {
    await sleep(ms, undefined, { signal: stop });
    return true;
  } catch {
    return false;
  }
}

async function step(ctx: VirtualUserContext, s: VuState, name: string, call: HttpCall, ok: readonly number[], check?: (b: unknown) => boolean) {
  const res = await sendHttp(ctx.settings.baseUrl, ctx.pool.agentFor(ctx.vu), call, s.token, ctx.settings.requestTimeoutMs);
  const statusOk = ok.includes(res.status);
  let bodyOk = statusOk;
  if (statusOk && check) {
    try {
      bodyOk = check(res.body);
    } catch {
      bodyOk = false;
    }
  }
  ctx.rec.recordHttp(ctx.journey.name, name, res.ms, res.status, statusOk, bodyOk, res.error);
  return { ok: statusOk && bodyOk, body: res.body, retryAfterS: res.retryAfterS };
}

async function login(ctx: VirtualUserContext, s: VuState): Promise<boolean> {
  const email = accountEmail(ctx.settings, ctx.vu);
  const session = await ctx.signIn?.sessionFor(ctx.vu, email);
  if (session) {
    s.token = session.token;
    s.username = session.username;
    return true;
  }
  while (!ctx.stop.aborted) {
    await ctx.signIn?.loginTurn(ctx.stop);
    if (ctx.stop.aborted) break;
    const res = await step(ctx, s, 'POST /api/users/login', loginCall(email, ctx.settings.accountPassword), [200], (b) => typeof (b as { user?: { token?: unknown } })?.user?.token === 'string');
    const user = (res.body as { user?: { token: string; username: string } } | undefined)?.user;
    if (res.ok && user) {
      s.token = user.token;
      s.username = user.username;
      return true;
    }
    // Try again like a person would: after a think time, or after Retry-After when refused
    // (hammering would only burn the per-account login budget).
    await pause(Math.max(thinkTimeMs(ctx.settings.thinkMinMs, ctx.settings.thinkMaxMs, s.random()), (res.retryAfterS ?? 0) * 1000), ctx.stop);
  }
  return false;
}

export async function runVirtualUser(ctx: VirtualUserContext): Promise<void> {
  const { settings, journey, rec, stop } = ctx;
  const s: VuState = { vu: ctx.vu, iteration: 0, random: Math.random };
  rec.userStarted(journey.name, ctx.vu);
  if (!(await pause(Math.random() * ctx.startJitterMs, stop))) return;
  if (journey.signedIn && !(await login(ctx, s))) return;
  const think = () => pause(thinkTimeMs(settings.thinkMinMs, settings.thinkMaxMs, s.random()), stop);
  while (!stop.aborted) {
    newIteration(s);
    if (journey.name === 'chat') {
      const roomId = ctx.roomIds[chatRoomIndex(ctx.vu, ctx.roomIds.length)];
      await runChatSession({ settings, vu: ctx.vu, token: s.token!, roomId, agent: ctx.pool.agentFor(ctx.vu), rec, stop });
      if (!(await think())) break;
    } else {
      for (const st of journey.steps) {
        if (stop.aborted) break;
        const call = st.call(s);
        if (!call) continue;
        const res = await step(ctx, s, st.name, call, st.ok, st.check);
        if (res.ok && st.after) st.after(s, res.body);
        if (!(await think())) break;
      }
    }
    if (!stop.aborted) rec.iterationDone(journey.name);
  }
}

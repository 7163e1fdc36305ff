// Small helpers the fault scenarios' checks share.
import type { ChatFigures } from '../chat-probe.ts';
import { REQUEST_BUDGET_MS, type Environment } from '../environment.ts';
import type { PhaseFigures, Sample } from '../phase-stats.ts';
import { check, countBy, isServerFailure, type Check } from '../scenario-runner.ts';

/** A request answered later than its budget (REQUEST_TIMEOUT_MS) plus LB/client slack. */
export const BUDGET_SLACK_MS = 1_000;
export const overBudget = (s: Sample) => s.ms > REQUEST_BUDGET_MS + BUDGET_SLACK_MS;
export const fmtMs = (v: number | undefined) => (v === undefined ? 'n/a' : `${Math.round(v)} ms`);
export const sum = (ps: PhaseFigures[], f: (p: PhaseFigures) => number) => ps.reduce((a, p) => a + f(p), 0);
export const fails = (samples: readonly Sample[], method: string, from: number, to = Infinity) => countBy(samples, (s) => s.method === method && s.at >= from && s.at < to && isServerFailure(s));
export const noExits = (exits: Array<{ name: string }>): Check => check('0 process exits', exits.length === 0, exits.length ? exits.map((e) => e.name).join(', ') : '0');

/** Requests in the phases whose "METHOD STATUS" key matches `pattern` (e.g. /^GET (ERR|5)/). */
export const countStatuses = (ps: PhaseFigures[], pattern: RegExp) =>
  sum(ps, (p) =>
    Object.entries(p.byMethodStatus)
      .filter(([k]) => pattern.test(k))
      .reduce((a, [, n]) => a + n, 0),
  );

/** The stack's managed Redis process of one role. */
export function redisProc(env: Environment, role: 'cache' | 'queue') {
  const p = env.stack.processes.find((x) => x.name === `redis-${role}`);
  if (!p) throw new Error(`redis-${role} is not managed by the stack`);
  return p;
}

/** Every acked chat message reached every other member (live or from history), each shown once. */
export function chatDelivered(chat: ChatFigures | undefined): Check[] {
  const detail = chat ? `${chat.acked} acked; to the other members: ${chat.deliveredLive} live, ${chat.recovered} from history, ${chat.lost} lost` : 'no chat figures';
  return [
    check('0 chat messages lost', !!chat && chat.acked > 0 && chat.lost === 0, detail),
    check('0 chat duplicates shown', !!chat && chat.duplicatesShown === 0, `${chat?.duplicatesShown} (member, message) pairs with two stored ids`),
  ];
}

// Open-loop traffic for the overload scenario: requests are SENT at a fixed rate whatever the
// answers (an arrival-rate model, like k6's constant-arrival-rate), so a slow server cannot slow
// the test down (no coordinated omission). The mix has every priority the API's admission control
// knows (apps/api/src/traffic/request-priority.ts): anonymous reads (low), signed-in reads
// (normal), sign-ins and writes (critical).
import { SourceAddressPool, sendHttp } from '../driver/http-client.ts';
import type { HttpCall } from '../shared/journeys.ts';
import { percentile } from './phase-stats.ts';

export type Priority = 'low' | 'normal' | 'critical';

export interface OpenLoopSample {
  /** When it was sent: performance.now() of the main thread (epoch ms inside the sender's thread). */
  at: number;
  ms: number;
  status: number;
  priority: Priority;
  /** What was asked, e.g. "POST /api/users/login" (path without ids). */
  route: string;
  /** Why no answer came (status 0), e.g. UND_ERR_SOCKET. */
  error?: string;
}

export interface SecondFigures {
  /** Seconds since the generator started. */
  t: number;
  offered: number;
  goodput: number;
  shed: number;
  /** Refused for overload (503) - the shed answers that are not a per-client rate limit (429). */
  overloadShed: number;
  failed: number;
  admittedP50?: number;
  admittedP95?: number;
  admittedP99?: number;
}

export interface Account {
  vu: number;
  token: string;
  email: string;
}

/** 70% low, 20% normal, 10% critical (8% writes: favorite/unfavorite, 2% sign-ins). */
function pickCall(r: number, n: number, o: GeneratorOptions): { call: HttpCall; priority: Priority; token?: string; vu: number } {
  const { accounts, slugs, password, signIns } = o;
  const a = accounts[n % accounts.length];
  const slug = slugs[n % slugs.length];
  if (r < 0.45) return { call: { method: 'GET', path: `/api/articles?limit=10&offset=${(n % 5) * 10}`, auth: false }, priority: 'low', vu: n };
  if (r < 0.6) return { call: { method: 'GET', path: '/api/tags', auth: false }, priority: 'low', vu: n };
  if (r < 0.7) return { call: { method: 'GET', path: `/api/articles/${encodeURIComponent(slug)}`, auth: false }, priority: 'low', vu: n };
  if (r < 0.9) return { call: { method: 'GET', path: '/api/articles/feed?limit=10', auth: true }, priority: 'normal', token: a.token, vu: a.vu };
  if (r < 0.98) {
    const method = n % 2 ? 'POST' : 'DELETE';
    return { call: { method, path: `/api/articles/${encodeURIComponent(slug)}/favorite`, auth: true }, priority: 'critical', token: a.token, vu: a.vu };
  }
  // Sign-ins rotate over many accounts (a surge is many people arriving): the per-account login
  // limit (10 per 15 min) is for one account under attack, not what this scenario measures.
  const who = signIns[n % signIns.length];
  return { call: { method: 'POST', path: '/api/users/login', body: { user: { email: who.email, password } }, auth: false }, priority: 'critical', vu: who.vu };
}

const SIGN_IN_ROUTE = 'POST /api/users/login';
const routeOf = (call: HttpCall) => `${call.method} ${call.path.replace(/\?.*$/, '').replace(/\/articles\/(?!feed)[^/]+/, '/articles/:slug')}`;

/** Answers per route and status with their p99, e.g. {"POST /api/users/login 429": "12 (p99 4 ms)"}: where each share went. */
export function statusesByRoute(samples: readonly OpenLoopSample[], from: number, to: number, priority?: Priority): Record<string, string> {
  const groups = new Map<string, number[]>();
  for (const s of samples) {
    if (s.at < from || s.at >= to || (priority && s.priority !== priority)) continue;
    const key = `${s.route} ${s.status}${s.error ? ` ${s.error}` : ''}`;
    // push, not spread: a copy per sample made this O(n^2), and at 3x (tens of thousands of answers
    // per phase) the suite then took a whole core from the stack it was measuring.
    const group = groups.get(key);
    if (group) group.push(s.ms);
    else groups.set(key, [s.ms]);
  }
  return Object.fromEntries(
    [...groups]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, ms]) => [
        key,
        `${ms.length} (p99 ${Math.round(
          percentile(
            ms.sort((a, b) => a - b),
            99,
          ) ?? 0,
        )} ms)`,
      ]),
  );
}

/** A 2xx, or a 4xx that is the API's correct answer (not shed, not a failure). */
export const isGood = (s: OpenLoopSample) => s.status >= 200 && s.status < 500 && s.status !== 429;
export const isShed = (s: OpenLoopSample) => s.status === 503 || s.status === 429;

export interface GeneratorOptions {
  baseUrl: string;
  /** Signed-in users (their tokens) for reads and writes. */
  accounts: Account[];
  /** Who signs in: the account's email and the virtual user number whose source address it uses. */
  signIns: Array<{ vu: number; email: string }>;
  slugs: string[];
  password: string;
  maxOutstanding?: number;
  timeoutMs?: number;
}

/**
 * Sends the open-loop traffic in whichever thread it lives in (open-loop.worker.ts: its own
 * thread, so the generator's timers and answers never wait behind the suite's other work).
 * Sample times (`at`) are epoch-based (performance.timeOrigin + now) so they mean the same in
 * every thread; the main thread converts them back (open-loop-thread.ts).
 */
export class OpenLoopSender {
  private readonly pool = new SourceAddressPool({ first: 2, last: 199, connectionsPerAddress: 16 });
  private timer?: NodeJS.Timeout;
  private ratePerS = 0;
  private credit = 0;
  private n = 0;
  /** Send times (epoch ms) of the requests not answered yet. */
  private readonly outstanding = new Set<number>();
  /** Requests the generator could not send (too many outstanding): reported, never hidden. */
  skipped = 0;

  constructor(
    private readonly o: GeneratorOptions,
    private readonly onSample: (sample: OpenLoopSample) => void,
  ) {}

  setRate(perSecond: number): void {
    this.ratePerS = perSecond;
    if (!this.timer) {
      let last = performance.now();
      this.timer = setInterval(() => {
        const now = performance.now();
        this.credit += ((now - last) / 1000) * this.ratePerS;
        last = now;
        while (this.credit >= 1) {
          this.credit--;
          this.fire();
        }
      }, 5);
    }
  }

  /** Resolves once every request sent before `epochMs` has its answer (or timed out). */
  async settled(epochMs: number): Promise<void> {
    const deadline = Date.now() + (this.o.timeoutMs ?? 10_000) + 5_000;
    while (Date.now() < deadline && [...this.outstanding].some((at) => at < epochMs)) await new Promise((r) => setTimeout(r, 20));
  }

  private fire(): void {
    if (this.outstanding.size >= (this.o.maxOutstanding ?? 3000)) {
      this.skipped++;
      return;
    }
    const n = this.n++;
    const pick = pickCall(Math.random(), n, this.o);
    // Unique per request (a Set key): two requests in the same microsecond differ by n.
    const at = performance.timeOrigin + performance.now() + (n % 1000) * 1e-9;
    this.outstanding.add(at);
    void sendHttp(this.o.baseUrl, this.pool.agentFor(pick.vu), pick.call, pick.token, this.o.timeoutMs ?? 10_000, { parseBody: false }).then((res) => {
      this.outstanding.delete(at);
      this.onSample({ at, ms: res.ms, status: res.status, priority: pick.priority, route: routeOf(pick.call), ...(res.error ? { error: res.error } : {}) });
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.settled(Infinity);
    await this.pool.close();
  }
}

/** Figures of the samples sent in [from, to) (performance.now()). */
export function figures(
  samples: readonly OpenLoopSample[],
  from: number,
  to: number,
): {
  offered: number;
  goodput: number;
  shedRate: number;
  /** Answers refused for overload (503); shedRate also counts rate limits (429). */
  overloadShed: number;
  failed: number;
  admittedP50?: number;
  admittedP95?: number;
  admittedP99?: number;
  shedP99?: number;
  /** Writes (critical, not sign-ins): served / sent. */
  writesOk: number;
  writesSent: number;
  /** Sign-ins (critical, with their own hashing bulkhead): served / sent. */
  signInsOk: number;
  signInsSent: number;
} {
  const rows = samples.filter((s) => s.at >= from && s.at < to);
  const seconds = Math.max((to - from) / 1000, 0.001);
  const good = rows.filter(isGood);
  const shed = rows.filter(isShed);
  const admitted = rows
    .filter((s) => !isShed(s) && s.status !== 0)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  const critical = rows.filter((s) => s.priority === 'critical');
  const signIns = critical.filter((s) => s.route === SIGN_IN_ROUTE);
  const writes = critical.filter((s) => s.route !== SIGN_IN_ROUTE);
  return {
    offered: rows.length / seconds,
    goodput: good.length / seconds,
    shedRate: rows.length ? shed.length / rows.length : 0,
    overloadShed: shed.filter((s) => s.status === 503).length,
    failed: rows.filter((s) => !isGood(s) && !isShed(s)).length,
    admittedP50: percentile(admitted, 50),
    admittedP95: percentile(admitted, 95),
    admittedP99: percentile(admitted, 99),
    shedP99: percentile(
      shed.map((s) => s.ms).sort((a, b) => a - b),
      99,
    ),
    writesOk: writes.filter(isGood).length,
    writesSent: writes.length,
    signInsOk: signIns.filter(isGood).length,
    signInsSent: signIns.length,
  };
}

/** Per-second timeline (for the chart): offered, goodput, shed, admitted p50/p99. */
export function timeline(samples: readonly OpenLoopSample[], start: number, end: number): SecondFigures[] {
  const out: SecondFigures[] = [];
  // Bucketed once: figures() over the whole run for each second was O(seconds x samples).
  const buckets = new Map<number, OpenLoopSample[]>();
  for (const s of samples) {
    if (s.at < start || s.at >= end + 1) continue;
    const i = Math.floor((s.at - start) / 1000);
    const bucket = buckets.get(i);
    if (bucket) bucket.push(s);
    else buckets.set(i, [s]);
  }
  for (let t = start; t + 1000 <= end + 1; t += 1000) {
    const f = figures(buckets.get(Math.round((t - start) / 1000)) ?? [], t, t + 1000);
    out.push({
      t: Math.round((t - start) / 1000),
      offered: Math.round(f.offered),
      goodput: Math.round(f.goodput),
      shed: Math.round(f.offered * f.shedRate),
      overloadShed: f.overloadShed,
      failed: f.failed,
      admittedP50: f.admittedP50,
      admittedP95: f.admittedP95,
      admittedP99: f.admittedP99,
    });
  }
  return out;
}

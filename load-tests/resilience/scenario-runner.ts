// Runs one fault scenario under steady mixed load: warm-up, `before`, the fault (`during`, as
// long as the fault function takes), `after`; then per-phase figures, chat figures, process
// exits, and the scenario's checks against its expected outcome.
import { setTimeout as sleep } from 'node:timers/promises';
import { SourceAddressPool, sendHttp } from '../driver/http-client.ts';
import { accountEmail } from '../shared/settings.ts';
import { ChatProbe, type ChatFigures } from './chat-probe.ts';
import type { Environment, StackVariant } from './environment.ts';
import { PhaseClock, figuresFor, type PhaseFigures, type Sample } from './phase-stats.ts';
import { ProcessWatch, type ExitEvent } from './process-watch.ts';
import { SteadyLoad } from './steady-load.ts';

export interface Check {
  label: string;
  pass: boolean;
  detail: string;
}

export interface ScenarioResult {
  name: string;
  expected: string;
  pass: boolean;
  checks: Check[];
  phases: PhaseFigures[];
  chat?: ChatFigures;
  /** Unplanned exits of stack processes (name@pid). */
  exits: string[];
  detectMs?: number;
  recoverMs?: number;
  figures: Record<string, string | number | undefined>;
  durationS: number;
  error?: string;
}

export interface FaultContext {
  env: Environment;
  load: SteadyLoad;
  chat?: ChatProbe;
  clock: PhaseClock;
  /** Processes the fault stops or kills on purpose (their exits are not counted). */
  expectExit(name: string): void;
  log(line: string): void;
}

export interface FaultOutcome {
  /** Date.now() when the fault was lifted (recovery is measured from here). */
  liftedAt?: number;
  /** performance.now() when the fault was lifted (sample-based recovery). */
  liftedPerf?: number;
  detectMs?: number;
  recoverMs?: number;
  figures?: Record<string, string | number | undefined>;
  checks?: Check[];
}

export interface ScenarioSpec {
  name: string;
  expected: string;
  chat?: boolean;
  beforeS: number;
  afterS: number;
  /** The database tier this scenario needs (PgBouncer, replica); the plain stack when absent. */
  stack?: StackVariant;
  /** Dependency whose loss the instances should notice (conduit_dependency_up on /metrics): detect/recover times. */
  dependency?: 'redis_cache' | 'postgres';
  /**
   * Runs before the steady load starts (one request at a time needs a quiet stack); its figures
   * and checks join the scenario's.
   */
  quiet?(ctx: Pick<FaultContext, 'env' | 'expectExit' | 'log'>): Promise<Pick<FaultOutcome, 'figures' | 'checks'>>;
  fault(ctx: FaultContext): Promise<FaultOutcome>;
  /** Checks on the measured phases. */
  judge(r: { phases: Record<'before' | 'during' | 'after', PhaseFigures>; samples: Sample[]; clock: PhaseClock; chat?: ChatFigures; outcome: FaultOutcome; exits: ExitEvent[] }): Check[];
}

export interface RunnerOptions {
  env: Environment;
  users: Record<string, number>;
  loginsPerSecond: number;
  log: (line: string) => void;
}

let roomSeq = 0;

export async function runScenario(spec: ScenarioSpec, o: RunnerOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const { env, log } = o;
  const load = new SteadyLoad({ baseUrl: env.stack.urls.lb, users: o.users, loginsPerSecond: o.loginsPerSecond, loginFirstAccount: 500, requestTimeoutMs: 10_000 });
  const clock = new PhaseClock();
  const expected = new Set<string>();
  const watch = new ProcessWatch(() => env.stack.processes.map((p) => ({ name: p.name, pid: p.pid })));
  const chatPool = new SourceAddressPool({ first: 200, last: 250, connectionsPerAddress: 2 });
  let chat: ChatProbe | undefined;
  const result: ScenarioResult = { name: spec.name, expected: spec.expected, pass: false, checks: [], phases: [], exits: [], figures: {}, durationS: 0 };
  try {
    await env.useStack(spec.stack ?? {});
    watch.start();
    const quiet = spec.quiet ? await spec.quiet({ env, expectExit: (n) => expected.add(n), log }) : undefined;
    load.start();
    if (spec.chat) {
      chat = new ChatProbe(env.stack.urls.lb, chatPool, [301, 302, 303, 304, 305, 306], load.settings.accountPassword, (n) => accountEmail(load.settings, n));
      await chat.start(`resilience-${process.pid}-${Date.now()}-${++roomSeq}`);
    }
    const outcome = await runPhases(spec, { env, load, chat, clock, expectExit: (n) => expected.add(n), log });
    if (quiet) Object.assign(outcome, { figures: { ...quiet.figures, ...outcome.figures }, checks: [...(quiet.checks ?? []), ...(outcome.checks ?? [])] });
    const end = performance.now();
    await load.stop();
    const chatFigures = chat ? await chat.stop() : undefined;
    if (chat && chatFigures && outcome.liftedAt) chatFigures.resumeMs = chat.resumeAfter(outcome.liftedAt);
    const unplanned = watch.stop().filter((e) => !expected.has(e.name));
    Object.assign(result, judgeRun(spec, { samples: load.samples.filter((s) => s.at < end), clock, chat: chatFigures, outcome, exits: unplanned }));
  } catch (error) {
    result.error = (error as Error).stack ?? String(error);
    result.checks.push({ label: 'scenario ran', pass: false, detail: (error as Error).message });
    await load.stop().catch(() => {});
    watch.stop();
  } finally {
    await chatPool.close();
    result.durationS = (Date.now() - started) / 1000;
  }
  return result;
}

/** Warm-up, `before`, the fault (`during`), `after`; detect/recover times from the dependency watch when the fault left them open. */
async function runPhases(spec: ScenarioSpec, ctx: FaultContext): Promise<FaultOutcome> {
  const { env, clock, log } = ctx;
  await sleep(3_000); // warm-up: users signed in, first requests made
  clock.mark('before');
  await sleep(spec.beforeS * 1000);
  clock.mark('during');
  log(`${spec.name}: fault`);
  const faultStart = Date.now();
  const deps = spec.dependency ? dependencyWatch(env, spec.dependency) : undefined;
  const outcome = await spec.fault(ctx);
  clock.mark('after');
  await sleep(spec.afterS * 1000);
  if (deps) {
    const seen = deps.stop();
    const down = seen.find((x) => !x.up && x.at >= faultStart);
    const up = seen.find((x) => x.up && x.at >= (outcome.liftedAt ?? Infinity));
    outcome.detectMs ??= down ? down.at - faultStart : undefined;
    outcome.recoverMs ??= up ? up.at - outcome.liftedAt! : undefined;
    outcome.figures = { ...outcome.figures, [`${spec.dependency} seen down by the instances`]: down ? `after ${down.at - faultStart} ms` : 'never' };
  }
  clock.mark('after'); // closes the after window (PhaseClock.window ends at the next mark)
  return outcome;
}

/** Per-phase figures and every check (the fault's own and the scenario's judge) of a finished run. */
function judgeRun(spec: ScenarioSpec, run: { samples: Sample[]; clock: PhaseClock; chat?: ChatFigures; outcome: FaultOutcome; exits: ExitEvent[] }): Partial<ScenarioResult> {
  const { samples, clock, chat, outcome, exits } = run;
  const phases = { before: figuresFor(samples, clock, 'before'), during: figuresFor(samples, clock, 'during'), after: figuresFor(samples, clock, 'after') };
  const checks = [...(outcome.checks ?? []), ...spec.judge({ phases, samples, clock, chat, outcome, exits })];
  return {
    checks,
    phases: [phases.before, phases.during, phases.after],
    chat,
    exits: exits.map((e) => `${e.name}@${e.pid}`),
    detectMs: outcome.detectMs,
    recoverMs: outcome.recoverMs,
    figures: outcome.figures ?? {},
    pass: checks.every((c) => c.pass),
  };
}

// ---- shared helpers for faults and checks ----

export const isServerFailure = (s: Sample) => s.status === 0 || s.status >= 500;

export function check(label: string, pass: boolean, detail: string): Check {
  return { label, pass, detail };
}

/** Polls until fn() is true; returns ms waited, or undefined on timeout. */
export async function timeUntil(fn: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<number | undefined> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (await Promise.resolve(fn()).catch(() => false)) return Date.now() - t0;
    await sleep(everyMs);
  }
  return undefined;
}

export async function httpStatus(url: string, timeoutMs = 1_000): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

export async function allReady(env: Environment): Promise<boolean> {
  const statuses = await Promise.all(env.stack.instances.map((h) => httpStatus(`${h.url}/health/ready`)));
  return statuses.every((s) => s === 200);
}

/** ms after `liftedAt` (performance.now() basis) of the last server failure, 0 if none after it. */
export function lastFailureAfter(samples: readonly Sample[], fromPerf: number, filter: (s: Sample) => boolean = isServerFailure): number {
  const fails = samples.filter((s) => s.at >= fromPerf && filter(s));
  return fails.length ? Math.max(...fails.map((s) => s.at + s.ms)) - fromPerf : 0;
}

export function countBy(samples: readonly Sample[], pred: (s: Sample) => boolean): number {
  return samples.filter(pred).length;
}

export { sendHttp };

/** Scrapes conduit_dependency_up from every instance every 250 ms: [{at, up (all instances)}]. */
function dependencyWatch(env: Environment, dependency: string) {
  const seen: Array<{ at: number; up: boolean }> = [];
  let stopped = false;
  const re = new RegExp(`^conduit_dependency_up\\{dependency="${dependency}"\\} (\\d)`, 'm');
  void (async () => {
    while (!stopped) {
      const ups = await Promise.all(
        env.stack.instances.map(async (h) => {
          try {
            const res = await fetch(`${h.url}/metrics`, { signal: AbortSignal.timeout(2_000) });
            return re.exec(await res.text())?.[1] === '1';
          } catch {
            return true; // instance restarting or busy: no verdict about the dependency
          }
        }),
      );
      seen.push({ at: Date.now(), up: ups.every(Boolean) });
      await sleep(250);
    }
  })();
  return {
    stop() {
      stopped = true;
      return seen;
    },
  };
}

// Runs a scenario with the driver: starts and stops virtual users to follow the stages
// (shared/plan.ts), shows a progress line, samples CPU per process, and returns the same
// RunSummary the k6 scripts write. Stress mode evaluates the release gate per level and stops
// at the first level that breaks it.
import { cpus } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CREATE_ROOM_OK, chatRoomNames, createRoomCall, listRoomsCall, roomIdsFromList } from '../shared/chat-protocol.ts';
import { loginCall, type HttpCall } from '../shared/journeys.ts';
import { personaFor, smokePersona, smokeSettings, targetAt, totalDurationS, type Stage, type TestType } from '../shared/plan.ts';
import { accountEmail, type LoadSettings } from '../shared/settings.ts';
import type { RunSummary, StressLevel } from '../shared/summary.ts';
import { evaluateGate, RELEASE_GATE } from '../shared/thresholds.ts';
import { SourceAddressPool, sendHttp } from './http-client.ts';
import { cacheWorkBetween } from './cache-work.ts';
import { InstanceProbe, type InstanceReading } from './instance-metrics.ts';
import { CpuSampler, type ProcessGroup } from './process-cpu.ts';
import { Recorder } from './recorder.ts';
import type { RunContext, StageOutcome } from './run-context.ts';
import { summarizeRun } from './run-summary.ts';
import type { SignInPolicy } from './sign-in-policy.ts';
import { runVirtualUser } from './virtual-user.ts';
import { readStackCounters, workBetween, type RedisServer, type StackCounters } from './work-counters.ts';

export { describeMachine } from './run-summary.ts';

export interface Target {
  baseUrl: string;
  /** Direct URLs of the API instances (their /metrics). */
  instanceUrls: string[];
  /** CPU groups besides the generator (API instances, worker, LB, PostgreSQL, Redis). */
  groups: ProcessGroup[];
  /** The stack's Redis servers, whose executed commands count as its work (none: not counted). */
  redisServers?: RedisServer[];
}

export interface RunOptions {
  settings: LoadSettings;
  type: TestType;
  stages: Stage[];
  target: Target;
  log?: (line: string) => void;
  /** How users sign in (stress: returning users' sessions, paced sign-ins); default: all sign in. */
  signIn?: SignInPolicy;
}

/** Makes sure the load-test chat rooms exist; returns their ids in chatRoomNames order. */
export async function prepareChatRooms(settings: LoadSettings, pool: SourceAddressPool): Promise<number[]> {
  if (settings.weights.chat <= 0) return [];
  const agent = pool.agentFor(1);
  // Setup is not measured: it retries what a busy or just-started system may refuse for a moment.
  const send = async (call: HttpCall, token?: string) => {
    for (let attempt = 1; ; attempt++) {
      const res = await sendHttp(settings.baseUrl, agent, call, token, settings.requestTimeoutMs);
      if (![0, 429, 502, 503, 504].includes(res.status) || attempt >= 10) return res;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  };
  const login = await send(loginCall(accountEmail(settings, 1), settings.accountPassword));
  const token = (login.body as { user?: { token?: string } } | undefined)?.user?.token;
  if (login.status !== 200 || !token) throw new Error(`setup: login as ${accountEmail(settings, 1)} failed (status ${login.status} ${login.error ?? ''}); is the database seeded?`);
  const names = chatRoomNames(settings.chat.rooms);
  for (const name of names) {
    const res = await send(createRoomCall(name), token);
    if (!(CREATE_ROOM_OK as readonly number[]).includes(res.status)) throw new Error(`setup: creating chat room ${name} answered ${res.status} ${res.error ?? JSON.stringify(res.body)}`);
  }
  const list = await send(listRoomsCall(), token);
  return roomIdsFromList(names, list.body);
}

const fmt = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(0));

interface ActiveUser {
  vu: number;
  ctrl: AbortController;
  done: Promise<void>;
}

export async function runScenario(opts: RunOptions): Promise<RunSummary> {
  const ctx = await startMeasuring(opts);
  const active: ActiveUser[] = [];
  const outcome = await driveStages(ctx, active);
  await stopMeasuring(ctx, active);
  return summarizeRun(ctx, outcome);
}

/** Chat rooms, the recorder, CPU sampling, instance probes and the generator's event-loop monitor. */
async function startMeasuring(opts: RunOptions): Promise<RunContext> {
  const { type, stages, target } = opts;
  const settings = type === 'smoke' ? smokeSettings(opts.settings) : opts.settings;
  const log = opts.log ?? ((l: string) => console.log(l));
  const pool = new SourceAddressPool();
  const roomIds = await prepareChatRooms(settings, pool);
  const rec = new Recorder();
  const generator: ProcessGroup = { name: 'load generator (this process)', short: 'gen', pids: () => [process.pid] };
  const sampler = new CpuSampler([generator, ...target.groups], cpus().length);
  await sampler.start(2_000);
  const probe = new InstanceProbe(target.instanceUrls);
  probe.start(5_000);
  // The generator's own event-loop delay is added to every latency it measures: reported so a
  // reader can tell a slow system from a slow generator.
  const generatorLoop = monitorEventLoopDelay({ resolution: 10 });
  generatorLoop.enable();
  return { type, stages, settings, log, signIn: opts.signIn, pool, roomIds, rec, sampler, probe, instanceUrls: target.instanceUrls, redisServers: target.redisServers ?? [], generatorLoop };
}

/** Follows the stages (virtual users up and down) until the end, or until a stress level fails. */
async function driveStages(ctx: RunContext, active: ActiveUser[]): Promise<StageOutcome> {
  const { stages, rec } = ctx;
  const total = totalDurationS(stages);
  const started = performance.now();
  const fullTarget = Math.max(...stages.map((s) => s.target));
  const levels = new StressLevels(ctx);
  const progress = new ProgressLine(ctx, total);
  let fullStrengthMs = 0;
  // The first stretch at full strength, at its two ends: CPU sample mark, requests so far, time,
  // and the stack's counters (read without holding up the loop).
  type Mark = { cpu: number; requests: number; ms: number; counters: Promise<StackCounters | null> };
  let fullFrom: Mark | undefined;
  let fullTo: Mark | undefined;
  const markNow = (ms: number): Mark => ({ cpu: ctx.sampler.mark(), requests: rec.requests, ms, counters: readStackCounters(ctx.instanceUrls, ctx.redisServers) });
  let stopAt = total;
  let lastTick = performance.now();
  for (;;) {
    const t = (performance.now() - started) / 1000;
    if (t >= stopAt) break;
    const want = targetAt(stages, t);
    scaleUsers(ctx, active, want);
    rec.setUsers(active.length);
    const now = performance.now();
    if (active.length >= fullTarget && fullTarget > 0) {
      fullStrengthMs += now - lastTick;
      fullFrom ??= markNow(now);
    } else if (fullFrom !== undefined) fullTo ??= markNow(now);
    lastTick = now;
    const level = ctx.type === 'stress' ? await levels.update(t) : undefined;
    if (level && !level.pass) stopAt = t; // the breaking point is found: stop climbing
    progress.update(t, active.length, want);
    await new Promise((r) => setTimeout(r, 250));
  }
  if (fullFrom === undefined) return { started, fullStrengthMs, levels: levels.levels };
  const end = fullTo ?? markNow(performance.now());
  const fullStrengthRps = end.ms > fullFrom.ms ? ((end.requests - fullFrom.requests) * 1000) / (end.ms - fullFrom.ms) : undefined;
  const [from, to] = await Promise.all([fullFrom.counters, end.counters]);
  const [requests, seconds] = [end.requests - fullFrom.requests, (end.ms - fullFrom.ms) / 1000];
  const fullStrengthCache = from && to ? cacheWorkBetween(from.cache, to.cache, requests, seconds) : undefined;
  const fullStrengthWork = from && to ? workBetween(from, to, requests, seconds) : undefined;
  return { started, fullStrengthMs, fullStrengthCpu: [fullFrom.cpu, end.cpu], fullStrengthRps, fullStrengthCache, fullStrengthWork, levels: levels.levels };
}

/** Starts or stops virtual users until `want` run. */
function scaleUsers(ctx: RunContext, active: ActiveUser[], want: number): void {
  const { settings, pool, rec, roomIds } = ctx;
  while (active.length < want) {
    const vu = active.length + 1;
    const journey = ctx.type === 'smoke' ? smokePersona(vu) : personaFor(settings, vu);
    const ctrl = new AbortController();
    const done = runVirtualUser({ settings, vu, journey, pool, rec, roomIds, stop: ctrl.signal, startJitterMs: 1_000, signIn: ctx.signIn }).catch((e) => {
      rec.chatError(`virtual user ${vu} crashed: ${(e as Error).message}`);
    });
    active.push({ vu, ctrl, done });
  }
  while (active.length > want) active.pop()!.ctrl.abort();
}

/** Stops every virtual user (15 s at most) and the samplers. */
async function stopMeasuring(ctx: RunContext, active: ActiveUser[]): Promise<void> {
  for (const a of active) a.ctrl.abort();
  await Promise.race([Promise.allSettled(active.map((a) => a.done)), new Promise((r) => setTimeout(r, 15_000))]);
  ctx.rec.setUsers(0);
  ctx.sampler.stop();
  ctx.probe.stop();
  await ctx.pool.close();
  if (process.stdout.isTTY) process.stdout.write('\n');
}

/**
 * Stress levels: the hold stages (a stage whose target equals the previous one's). Each is
 * recorded in its own phase recorder and judged against the release gate when it ends.
 */
class StressLevels {
  readonly levels: StressLevel[] = [];
  private readonly holds: Array<{ st: Stage; i: number; start: number }>;
  private holdIdx = 0;
  private levelCpuMark = 0;

  constructor(private readonly ctx: RunContext) {
    const { stages } = ctx;
    this.holds = stages.map((st, i) => ({ st, i, start: stages.slice(0, i).reduce((a, b) => a + b.durationS, 0) })).filter((x) => x.i > 0 && x.st.target > 0 && x.st.target === stages[x.i - 1].target);
  }

  /** Opens the level whose hold starts at t, or closes (and returns) the one that ends. */
  async update(t: number): Promise<StressLevel | undefined> {
    const { rec, sampler, probe } = this.ctx;
    if (this.holdIdx >= this.holds.length) return undefined;
    const h = this.holds[this.holdIdx];
    if (!rec.phase && t >= h.start) {
      rec.phase = new Recorder();
      this.levelCpuMark = sampler.mark();
      probe.takePeaks();
    } else if (rec.phase && t >= h.start + h.st.durationS) {
      const phase = rec.phase;
      rec.phase = null;
      await probe.scrape();
      const level = this.judge(phase, h.st.target, probe.takePeaks());
      this.levels.push(level);
      this.ctx.log(
        `\nlevel ${level.users} users: ${level.pass ? 'PASS' : 'FAIL'} p95 ${fmt(level.p95)} ms p99 ${fmt(level.p99)} ms failed ${(level.failedRate * 100).toFixed(3)}% chat p95 ${fmt(level.chatP95)} ms event loop p99 ${fmt(level.eventLoopP99Ms)} ms${level.failed.length ? ` -> ${level.failed.join('; ')}` : ''}`,
      );
      this.holdIdx += 1;
      return level;
    }
    return undefined;
  }

  private judge(phase: Recorder, users: number, peaks: InstanceReading[]): StressLevel {
    const gate = evaluateGate(phase.gateValues(), RELEASE_GATE, this.ctx.settings.weights.chat > 0 ? [] : ['chat_delivery_ms']);
    const v = phase.gateValues();
    const level: StressLevel = {
      users,
      pass: gate.pass,
      requests: phase.requests,
      failedRate: v['http_req_failed:rate'] ?? 0,
      p95: v['http_req_duration:p(95)'],
      p99: v['http_req_duration:p(99)'],
      chatP95: v['chat_delivery_ms:p(95)'],
      failed: gate.results.filter((r) => !r.pass).map((r) => `${r.label}: ${r.actual === undefined ? 'no data' : r.stat === 'rate' ? `${(r.actual * 100).toFixed(2)}%` : `${r.actual.toFixed(0)} ms`}`),
      resources: this.ctx.sampler.rows(this.levelCpuMark),
      eventLoopP99Ms: Math.max(...peaks.map((p) => p.eventLoopP99Ms ?? 0)),
    };
    (level as StressLevel & { instances?: InstanceReading[] }).instances = peaks;
    return level;
  }
}

/** The progress line: every 2 s on a terminal (rewritten in place), every 10 s in a log. */
class ProgressLine {
  private readonly everyS = process.stdout.isTTY ? 2 : 10;
  private last = 0;

  constructor(
    private readonly ctx: RunContext,
    private readonly totalS: number,
  ) {}

  update(t: number, users: number, want: number): void {
    if (t - this.last < this.everyS) return;
    this.last = t;
    const { rec, sampler } = this.ctx;
    const r = rec.recent();
    const cpu = sampler
      .latest()
      .filter((c) => c.pct >= 1)
      .map((c) => `${c.name} ${c.pct.toFixed(0)}%`)
      .join(' ');
    const failedPct = rec.requests ? ((100 * rec.failed) / rec.requests).toFixed(3) : '0.000';
    const line = `[${t.toFixed(0).padStart(4)}s/${this.totalS}s] users ${users}/${want} | ${r.rps.toFixed(0)} req/s p95 ${fmt(r.p95)} ms | failed ${failedPct}% | chat p95 ${fmt(r.chatP95)} ms, ${rec.chatReceived} delivered | CPU ${cpu}`;
    if (process.stdout.isTTY) process.stdout.write(`\r${line.slice(0, (process.stdout.columns || 160) - 1).padEnd((process.stdout.columns || 160) - 1)}`);
    else this.ctx.log(line);
  }
}

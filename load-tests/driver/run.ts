// Runs a scenario with the driver: starts and stops virtual users to follow the stages
// (shared/plan.ts), shows a progress line, samples CPU per process, and returns the same
// RunSummary the k6 scripts write. Stress mode evaluates the release gate per level and stops
// at the first level that breaks it.
import { cpus, totalmem } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CREATE_ROOM_OK, chatRoomNames, createRoomCall, listRoomsCall, roomIdsFromList } from '../shared/chat-protocol.ts';
import { JOURNEYS, loginCall, type HttpCall } from '../shared/journeys.ts';
import { personaFor, smokePersona, smokeSettings, targetAt, totalDurationS, type Stage, type TestType } from '../shared/plan.ts';
import { accountEmail, type LoadSettings } from '../shared/settings.ts';
import type { ResourceRow, RunSummary, StressLevel, TimelinePoint } from '../shared/summary.ts';
import { evaluateGate, RELEASE_GATE } from '../shared/thresholds.ts';
import { SourceAddressPool, sendHttp } from './http-client.ts';
import { InstanceProbe, type InstanceReading } from './instance-metrics.ts';
import { CpuSampler, type ProcessGroup } from './process-cpu.ts';
import { Recorder, WINDOW_MS, latencyStats } from './recorder.ts';
import { runVirtualUser } from './virtual-user.ts';

export interface Target {
  baseUrl: string;
  /** Direct URLs of the API instances (their /metrics). */
  instanceUrls: string[];
  /** CPU groups besides the generator (API instances, worker, LB, PostgreSQL, Redis). */
  groups: ProcessGroup[];
}

export interface RunOptions {
  settings: LoadSettings;
  type: TestType;
  stages: Stage[];
  target: Target;
  log?: (line: string) => void;
}

export function describeMachine(): string {
  const model = cpus()[0]?.model?.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `${cpus().length} cores (${model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, generator on the same box`;
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

function withCpu(points: TimelinePoint[], cpu: Array<{ test?: number; others?: number; machine?: number }>): TimelinePoint[] {
  return points.map((p, i) => ({ ...p, cpuTest: cpu[i]?.test, cpuOthers: cpu[i]?.others, cpuMachine: cpu[i]?.machine }));
}

const fmt = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(0));

export async function runScenario(opts: RunOptions): Promise<RunSummary> {
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

  interface Active {
    vu: number;
    ctrl: AbortController;
    done: Promise<void>;
  }
  const active: Active[] = [];
  const total = totalDurationS(stages);
  const started = performance.now();
  const fullTarget = Math.max(...stages.map((s) => s.target));
  let fullStrengthMs = 0;
  let stopAt = total;

  // Stress levels: the hold stages (a stage whose target equals the previous one's).
  const levels: StressLevel[] = [];
  const holds = stages.map((st, i) => ({ st, i, start: stages.slice(0, i).reduce((a, b) => a + b.durationS, 0) })).filter((x) => x.i > 0 && x.st.target > 0 && x.st.target === stages[x.i - 1].target);
  let holdIdx = 0;
  let levelCpuMark = 0;

  const progressEveryS = process.stdout.isTTY ? 2 : 10;
  let lastProgress = 0;
  let lastTick = performance.now();

  for (;;) {
    const t = (performance.now() - started) / 1000;
    if (t >= stopAt) break;
    const want = targetAt(stages, t);
    while (active.length < want) {
      const vu = active.length + 1;
      const journey = type === 'smoke' ? smokePersona(vu) : personaFor(settings, vu);
      const ctrl = new AbortController();
      const done = runVirtualUser({ settings, vu, journey, pool, rec, roomIds, stop: ctrl.signal, startJitterMs: 1_000 }).catch((e) => {
        rec.chatError(`virtual user ${vu} crashed: ${(e as Error).message}`);
      });
      active.push({ vu, ctrl, done });
    }
    while (active.length > want) active.pop()!.ctrl.abort();
    rec.setUsers(active.length);
    const now = performance.now();
    if (active.length >= fullTarget && fullTarget > 0) fullStrengthMs += now - lastTick;
    lastTick = now;

    if (type === 'stress' && holdIdx < holds.length) {
      const h = holds[holdIdx];
      if (!rec.phase && t >= h.start) {
        rec.phase = new Recorder();
        levelCpuMark = sampler.mark();
        probe.takePeaks();
      } else if (rec.phase && t >= h.start + h.st.durationS) {
        const phase = rec.phase;
        rec.phase = null;
        await probe.scrape();
        const peaks = probe.takePeaks();
        const gate = evaluateGate(phase.gateValues(), RELEASE_GATE, settings.weights.chat > 0 ? [] : ['chat_delivery_ms']);
        const v = phase.gateValues();
        const level: StressLevel = {
          users: h.st.target,
          pass: gate.pass,
          requests: phase.requests,
          failedRate: v['http_req_failed:rate'] ?? 0,
          p95: v['http_req_duration:p(95)'],
          p99: v['http_req_duration:p(99)'],
          chatP95: v['chat_delivery_ms:p(95)'],
          failed: gate.results.filter((r) => !r.pass).map((r) => `${r.label}: ${r.actual === undefined ? 'no data' : r.stat === 'rate' ? `${(r.actual * 100).toFixed(2)}%` : `${r.actual.toFixed(0)} ms`}`),
          resources: sampler.rows(levelCpuMark),
          eventLoopP99Ms: Math.max(...peaks.map((p) => p.eventLoopP99Ms ?? 0)),
        };
        (level as StressLevel & { instances?: InstanceReading[] }).instances = peaks;
        levels.push(level);
        log(`\nlevel ${level.users} users: ${level.pass ? 'PASS' : 'FAIL'} p95 ${fmt(level.p95)} ms p99 ${fmt(level.p99)} ms failed ${(level.failedRate * 100).toFixed(3)}% chat p95 ${fmt(level.chatP95)} ms event loop p99 ${fmt(level.eventLoopP99Ms)} ms${level.failed.length ? ` -> ${level.failed.join('; ')}` : ''}`);
        holdIdx += 1;
        if (!level.pass) stopAt = t; // the breaking point is found: stop climbing
      }
    }

    if (t - lastProgress >= progressEveryS) {
      lastProgress = t;
      const r = rec.recent();
      const cpu = sampler.latest().filter((c) => c.pct >= 1).map((c) => `${c.name} ${c.pct.toFixed(0)}%`).join(' ');
      const failedPct = rec.requests ? ((100 * rec.failed) / rec.requests).toFixed(3) : '0.000';
      const line = `[${t.toFixed(0).padStart(4)}s/${total}s] users ${active.length}/${want} | ${r.rps.toFixed(0)} req/s p95 ${fmt(r.p95)} ms | failed ${failedPct}% | chat p95 ${fmt(r.chatP95)} ms, ${rec.chatReceived} delivered | CPU ${cpu}`;
      if (process.stdout.isTTY) process.stdout.write(`\r${line.slice(0, (process.stdout.columns || 160) - 1).padEnd((process.stdout.columns || 160) - 1)}`);
      else log(line);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  for (const a of active) a.ctrl.abort();
  await Promise.race([Promise.allSettled(active.map((a) => a.done)), new Promise((r) => setTimeout(r, 15_000))]);
  rec.setUsers(0);
  sampler.stop();
  probe.stop();
  await pool.close();
  if (process.stdout.isTTY) process.stdout.write('\n');

  const durationS = (performance.now() - started) / 1000;
  const gate = evaluateGate(rec.gateValues(), RELEASE_GATE, settings.weights.chat > 0 ? [] : ['chat_delivery_ms']);
  const resources: ResourceRow[] = sampler.rows(0);
  const notes: string[] = [];
  generatorLoop.disable();
  notes.push(`load generator event-loop delay: p99 ${(generatorLoop.percentile(99) / 1e6).toFixed(0)} ms, max ${(generatorLoop.max / 1e6).toFixed(0)} ms (added to the latencies it measured).`);
  const others = resources.find((r) => r.name === 'everything else');
  if (others && others.cpuAvgPct >= 20) {
    notes.push(`the box was shared: processes outside this test used ${others.cpuAvgPct.toFixed(0)}% CPU on average (peak ${others.cpuMaxPct.toFixed(0)}%, 100% = one core); latency includes that contention (see "CPU over time").`);
  }
  const reasons = [...rec.errorReasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
  if (reasons.length) notes.push(`most frequent errors: ${reasons.map(([r, n]) => `${r} x${n}`).join('; ')}`);
  notes.push(`virtual users came from ${pool.size || 'up to 249'} loopback source addresses (127.0.0.2-127.0.0.250); rate limits were on.`);
  notes.push(`think time ${settings.thinkMinMs}-${settings.thinkMaxMs} ms between steps; journey mix ${JOURNEYS.map((j) => `${j.name} ${settings.weights[j.name]}`).join(', ')}.`);

  const summary: RunSummary = {
    tool: 'node-driver',
    testType: type,
    startedAt: new Date(rec.startedAt).toISOString(),
    durationS,
    baseUrl: settings.baseUrl,
    machine: describeMachine(),
    users: { max: rec.maxUsers, fullStrengthS: fullStrengthMs / 1000 },
    http: { requests: rec.requests, failed: rec.failed, failedRate: rec.requests ? rec.failed / rec.requests : 0, rps: rec.requests / durationS, latency: latencyStats(rec.http) },
    checks: { passes: rec.checksPass, fails: rec.checksFail, rate: rec.checksPass + rec.checksFail ? rec.checksPass / (rec.checksPass + rec.checksFail) : 0 },
    chat: {
      users: rec.journeys.get('chat')?.users.size ?? 0,
      connects: rec.chatConnects,
      connectFailures: rec.chatConnectFailures,
      connectMs: latencyStats(rec.chatConnect),
      sent: rec.chatSent,
      received: rec.chatReceived,
      deliveryMs: latencyStats(rec.chatDelivery),
    },
    journeys: JOURNEYS.map((j) => {
      const s = rec.journeys.get(j.name);
      return { journey: j.name, label: j.label, users: s?.users.size ?? 0, iterations: s?.iterations ?? 0, requests: s?.requests ?? 0, errors: s?.errors ?? 0, p50: s?.h.percentile(50), p95: s?.h.percentile(95), p99: s?.h.percentile(99) };
    }),
    endpoints: [...rec.endpoints.entries()].map(([name, e]) => ({ name, requests: e.requests, errors: e.errors, p50: e.h.percentile(50), p95: e.h.percentile(95), p99: e.h.percentile(99) })).sort((a, b) => b.requests - a.requests),
    thresholds: gate.results,
    passed: gate.pass,
    timeline: withCpu(rec.timeline(), sampler.windows(rec.t0, WINDOW_MS, rec.timeline().length)),
    resources,
    notes,
  };
  if (type === 'stress') {
    const passing = levels.filter((l) => l.pass).map((l) => l.users);
    const firstFail = levels.find((l) => !l.pass);
    summary.stress = {
      maxPassingUsers: passing.length ? Math.max(...passing) : null,
      firstFailingUsers: firstFail?.users ?? null,
      breach: firstFail ? firstFail.failed.join('; ') : null,
      levels,
    };
    // The stress verdict is the breaking point, not the gate over the whole (overloaded) run.
    summary.passed = passing.length > 0;
  }
  return summary;
}

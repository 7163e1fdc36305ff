import { QUIET_IDLE_LAG_MS, ROUNDS, SECONDS, WARMUP_SECONDS, round } from './chat-settings.js';
import { summarize, type PhaseResult, type PhaseRun } from './chat-phase.js';

/** One configuration's rounds pooled: sums for counts, percentiles over all samples, means for CPU/lag. */
export function pool(name: string, runs: PhaseRun[]): PhaseResult {
  const { p50, p95, p99 } = summarize(runs.flatMap((r) => r.ackTimes));
  const first = runs[0].result;
  const sum = (f: (r: PhaseResult) => number) => runs.reduce((acc, r) => acc + f(r.result), 0);
  const mean = (f: (r: PhaseResult) => number) => round(sum(f) / runs.length);
  const meanOf = (f: (r: PhaseResult) => Record<string, number>) => Object.fromEntries(Object.keys(f(first)).map((k) => [k, mean((r) => f(r)[k])]));
  const delivered = sum((r) => r.delivered);
  return {
    ...first,
    name,
    seconds: first.seconds * runs.length,
    sent: sum((r) => r.sent),
    acked: sum((r) => r.acked),
    sendErrors: sum((r) => r.sendErrors),
    expectedDeliveries: sum((r) => r.expectedDeliveries),
    delivered,
    missing: sum((r) => r.missing),
    deliveredPerSecond: round(delivered / (first.seconds * runs.length)),
    latencyMs: summarize(runs.flatMap((r) => r.latencies)),
    ackMs: { p50, p95, p99 },
    apiCpuPercent: meanOf((r) => r.apiCpuPercent),
    apiEventLoopLagP99Ms: meanOf((r) => r.apiEventLoopLagP99Ms),
    loadAverage1m: mean((r) => r.loadAverage1m),
    idleProcessLagP99Ms: mean((r) => r.idleProcessLagP99Ms),
    benchClientCpuPercent: mean((r) => r.benchClientCpuPercent),
    connectSeconds: mean((r) => r.connectSeconds),
  };
}

/** Pools only the rounds the control calls quiet, per configuration (a transparent rule, not a pick). */
function quietLine(runs: { base: PhaseRun[]; scaled: PhaseRun[] }): string {
  const quiet = (rs: PhaseRun[]) => rs.filter((r) => r.result.idleProcessLagP99Ms <= QUIET_IDLE_LAG_MS);
  const [qb, qs] = [quiet(runs.base), quiet(runs.scaled)];
  if (!qb.length || !qs.length) return `Quiet rounds (idle-process event-loop p99 <= ${QUIET_IDLE_LAG_MS} ms): not enough in this run for both configurations.`;
  const [b, sc] = [pool('baseline', qb), pool('two instances', qs)];
  return (
    `Quiet rounds only (idle-process event-loop p99 <= ${QUIET_IDLE_LAG_MS} ms; ${qb.length} baseline, ${qs.length} two-instance): ` +
    `baseline p50/p95/p99 ${b.latencyMs.p50}/${b.latencyMs.p95}/${b.latencyMs.p99} ms, two instances ${sc.latencyMs.p50}/${sc.latencyMs.p95}/${sc.latencyMs.p99} ms ` +
    `(p95 x${round(sc.latencyMs.p95 / b.latencyMs.p95)}); target p95 < 100 ms ${sc.latencyMs.p95 < 100 ? 'met' : 'NOT met'}.`
  );
}

export function markdown(results: PhaseResult[], meta: Record<string, unknown>, runs: { base: PhaseRun[]; scaled: PhaseRun[] }): string {
  const [base, scaled] = results;
  const row = (r: PhaseResult) =>
    `| ${r.name} | ${r.instances} | ${r.clients} | ${r.sent} | ${r.delivered}/${r.expectedDeliveries} | ${r.deliveredPerSecond} | ${r.latencyMs.p50} | ${r.latencyMs.p95} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${r.ackMs.p95} | ${Object.values(r.apiCpuPercent).join(' / ')} | ${Object.values(r.apiEventLoopLagP99Ms).join(' / ')} | ${r.idleProcessLagP99Ms} | ${r.benchClientCpuPercent} | ${r.loadAverage1m} |`;
  return [
    '# Chat delivery benchmark',
    '',
    `Command: \`npm run bench:chat\` (${meta.date}, ${meta.cpus} CPUs, load average ${meta.loadAverage1m} at the end, Node ${meta.node}). ${base.clients} WebSocket clients in ${base.rooms} rooms, ` +
      `${base.targetRate} msg/s sent; ${ROUNDS} alternating rounds of ${SECONDS} s per configuration (after ${WARMUP_SECONDS} s warm-up each), pooled; latency = send -> receipt by every other room member. CPU, lag and load columns are means over rounds; per-round figures are in chat.json.`,
    '',
    '| run | instances | clients | msgs sent | delivered/expected | delivered msg/s | p50 ms | p95 ms | p99 ms | max ms | ack p95 ms | API CPU % | API event-loop p99 ms | idle-process event-loop p99 ms | bench client CPU % | load avg 1m |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    row(base),
    row(scaled),
    '',
    `Two instances vs single-instance baseline: p95 x${round(scaled.latencyMs.p95 / base.latencyMs.p95)}, p99 x${round(scaled.latencyMs.p99 / base.latencyMs.p99)}, ` +
      `delivered msg/s x${round(scaled.deliveredPerSecond / base.deliveredPerSecond)}. Target p95 < 100 ms: ${scaled.latencyMs.p95 < 100 ? 'met' : 'NOT met'} (2 instances).`,
    '',
    '## Per round (alternating), with the machine-noise control',
    '',
    '| round | run | p50 ms | p95 ms | p99 ms | idle-process event-loop p99 ms | load avg 1m |',
    '|---|---|---|---|---|---|---|',
    ...runs.base
      .flatMap((b, i) => [b, runs.scaled[i]])
      .map(
        (r) =>
          `| ${r.result.name.split('round ')[1]} | ${r.result.name.split(',')[0]} | ${r.result.latencyMs.p50} | ${r.result.latencyMs.p95} | ${r.result.latencyMs.p99} | ${r.result.idleProcessLagP99Ms} | ${r.result.loadAverage1m} |`,
      ),
    '',
    quietLine(runs),
    '',
    "All processes (API instances, Redis, PostgreSQL and the 1000 clients) share the same 2 cores with the other engineers' work, so the client process competes with the servers it measures.",
    '"idle-process event-loop p99" is a control: an idle Node process measuring its own event-loop delay during the same window. When it is far above a few ms the box is oversubscribed and the latency figures mostly measure CPU scheduling, not chat.',
    '',
  ].join('\n');
}

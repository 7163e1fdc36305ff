// What a failed autoscaling run needs to explain itself: HAProxy's view of the API servers over
// time (state and slowstart throttle), and per failed request what it got, where, and when
// relative to the scale events and to the new instances coming UP.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LbServerStatus, PoolMember, ScaleEvent } from '../../libs/stack/src/index.ts';
import { failed, type Outcome } from './burst.ts';

export interface LbChange {
  at: number;
  server: string;
  status: string;
  throttlePercent: number | null;
}

/** Polls HAProxy's stats and keeps every change of an api-backend server's state or throttle. */
export function watchLbServers(status: () => Promise<LbServerStatus[]>, intervalMs = 200) {
  const changes: LbChange[] = [];
  const last = new Map<string, string>();
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      try {
        const at = Date.now();
        for (const row of await status()) {
          if (row.backend !== 'api' || row.status === 'MAINT') continue;
          const key = `${row.status} ${row.throttlePercent ?? ''}`;
          if (last.get(row.server) === key) continue;
          last.set(row.server, key);
          changes.push({ at, server: row.server, status: row.status, throttlePercent: row.throttlePercent });
        }
      } catch {
        /* a stats answer missed on a starved box: the next poll catches up */
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
  const done = poll();
  return {
    changes,
    async stop() {
      stopped = true;
      await done;
      return changes;
    },
  };
}

/** First time HAProxy showed each server UP (in this run's changes). */
function firstUp(changes: LbChange[]): Map<string, number> {
  const up = new Map<string, number>();
  for (const c of changes) if (c.status === 'UP' && !up.has(c.server)) up.set(c.server, c.at);
  return up;
}

/**
 * One line per failed request (at most `limit`): kind, path, status or error, instance, when it
 * was sent and answered (s since `started`), and the offset from the nearest scale decision and
 * from each new server's first UP; then HAProxy's server changes and its log lines that show an
 * error (5xx, aborted or refused), so a failure names its cause without a re-run.
 */
export function describeFailures(outcomes: Outcome[], started: number, events: ScaleEvent[], changes: LbChange[], runDir: string, limit = 40): string {
  const bad = outcomes.filter(failed);
  if (bad.length === 0) return 'failed requests: none';
  const s = (ms: number) => `${ms >= 0 ? '+' : ''}${(ms / 1000).toFixed(2)} s`;
  const t = (at: number) => ((at - started) / 1000).toFixed(2);
  const up = firstUp(changes.filter((c) => c.at >= started));
  const lines = [`failed requests: ${bad.length}`];
  for (const o of bad.slice(0, limit)) {
    const nearest = events.reduce<ScaleEvent | undefined>((best, e) => (!best || Math.abs(e.at - o.at) < Math.abs(best.at - o.at) ? e : best), undefined);
    const fromEvent = nearest ? `, ${s(o.at - nearest.at)} from the ${nearest.from} -> ${nearest.to} decision` : '';
    const fromUp = [...up].map(([server, at]) => `${s(o.at - at)} from ${server} UP`).join(', ');
    lines.push(
      `  ${o.kind} ${o.path}: ${o.status || 'no answer'} from ${o.instance ?? 'unknown instance'}, sent ${t(o.at)} s, ended ${t(o.endedAt)} s${fromEvent}${fromUp ? `, ${fromUp}` : ''}` +
        `${o.requestId ? `, id ${o.requestId}` : ''}: ${(o.error ?? '').replace(/\s+/g, ' ')}`,
    );
  }
  lines.push('HAProxy api servers:', ...changes.map((c) => `  ${t(c.at)} s ${c.server} ${c.status}${c.throttlePercent !== null ? ` throttle ${c.throttlePercent}%` : ''}`));
  lines.push('HAProxy log, errors only:', ...haproxyErrors(runDir).map((l) => `  ${l}`));
  return lines.join('\n');
}

/** HAProxy log lines of requests answered 5xx or not answered (status -1, or a termination state other than "--"). */
function haproxyErrors(runDir: string, limit = 40): string[] {
  let text: string;
  try {
    text = readFileSync(join(runDir, 'logs', 'haproxy.log'), 'utf8');
  } catch {
    return ['(no haproxy.log)'];
  }
  // httplog: ... backend/server Tq/Tw/Tc/Tr/Ta status bytes req-cookie res-cookie termination-state ...; server state changes too.
  const errors = text.split('\n').filter((line) => {
    if (/Server \S+\/api-\d+ is /.test(line)) return true;
    if (/ stats stats\/<STATS> /.test(line)) return false;
    const m = / (-1|\d{3}) -?\d+ \S+ \S+ (\S{4}) /.exec(line);
    return !!m && (m[1] === '-1' || Number(m[1]) >= 500 || !m[2].startsWith('--'));
  });
  return errors.length > limit ? [...errors.slice(0, limit), `... ${errors.length - limit} more`] : errors;
}

/** Each instance's own refusal counters (sign-in bulkhead by reason, admission control by reason and priority), e.g. "api-1: password_hash_refused_total{reason=expected_wait} 3". */
export async function refusalCounters(members: PoolMember[]): Promise<string> {
  const lines = await Promise.all(
    members.map(async (m) => {
      try {
        const text = await (await fetch(`${m.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
        const counters = text.split('\n').filter((l) => /^(password_hash_refused_total|load_shed_total|http_request_timeouts_total)[{ ]/.test(l) && !/ 0$/.test(l));
        return `  ${m.id}: ${counters.join('; ') || 'none'}`;
      } catch (error) {
        return `  ${m.id}: metrics not read (${(error as Error).message})`;
      }
    }),
  );
  return ['refusals counted by the instances at the end of the burst:', ...lines].join('\n');
}

/** Sign-in latency (ms) of the answered sign-ins, per slice of the run: how close the hashing queue came to its bound. */
export function signInLatency(outcomes: Outcome[], started: number, sliceMs = 2_000): string {
  const slices = new Map<number, number[]>();
  for (const o of outcomes)
    if (o.kind === 'login' && o.status === 200) slices.set(Math.floor((o.at - started) / sliceMs), [...(slices.get(Math.floor((o.at - started) / sliceMs)) ?? []), o.endedAt - o.at]);
  const pct = (v: number[], p: number) => v[Math.min(v.length - 1, Math.floor(v.length * p))];
  return [
    'sign-ins answered 200, latency ms by start time (p50 / p95 / max):',
    ...[...slices]
      .sort((a, b) => a[0] - b[0])
      .map(([slice, v]) => {
        v.sort((a, b) => a - b);
        return `  ${(slice * sliceMs) / 1000}-${((slice + 1) * sliceMs) / 1000} s: ${v.length} sign-ins, ${pct(v, 0.5)} / ${pct(v, 0.95)} / ${v.at(-1)}`;
      }),
  ].join('\n');
}

// Every knob of the load tests, read from environment variables with sane defaults.
// k6 passes `__ENV`, the Node driver `process.env`: one parser, the same defaults.

import { JOURNEYS, type JourneyName } from './journeys.ts';

export type Env = Record<string, string | undefined>;

export interface LoadSettings {
  /** Where the load goes: the load balancer of the stack (or one API instance). */
  baseUrl: string;
  /** Concurrent virtual users at full strength (load, spike, the driver). */
  vus: number;
  rampUpS: number;
  holdS: number;
  rampDownS: number;
  /** spike: 0 -> vus in this many seconds. */
  spikeRampS: number;
  soakVus: number;
  soakS: number;
  /** stress: start, step and ceiling of concurrent users, seconds per step. */
  stressStart: number;
  stressStep: number;
  stressMax: number;
  stressStepS: number;
  thinkMinMs: number;
  thinkMaxMs: number;
  /** Pre-seeded accounts (npm run db:seed): `{n}` is 1..accounts, `{n4}` the same zero-padded to 4 digits. */
  accountEmailTemplate: string;
  accountPassword: string;
  accounts: number;
  /**
   * Share of the signed-in users who return with the session token of an earlier visit instead of
   * signing in with their password (driver: sign-in-policy.ts; k6: a sessions file written by
   * `npm run loadtest:sessions`). 0 = every signed-in user signs in.
   */
  returningShare: number;
  /** Password sign-ins per second across all users, at most (the driver paces them). */
  loginsPerS: number;
  /** k6 only: the returning users' sessions (`npm run loadtest:sessions`); undefined = everyone signs in. */
  sessionsFile: string | undefined;
  weights: Record<JourneyName, number>;
  chat: {
    namespace: string;
    rooms: number;
    /** Each chat user sends one message this often. */
    messageIntervalMs: number;
    /** A chat user stays connected this long per iteration, then reconnects. */
    sessionS: number;
  };
  /** Per-request timeout (a hung request counts as failed, it never stalls a user forever). */
  requestTimeoutMs: number;
}

/** `90`, `90s`, `5m`, `1m30s`, `2h` -> seconds. */
export function parseDuration(value: string): number {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 's' ? n : n / 1000;
    consumed += m[0].length;
  }
  if (consumed !== v.length || v.length === 0) throw new Error(`invalid duration "${value}" (use e.g. 90s, 5m, 1m30s)`);
  return total;
}

/** `anonymous=45,reader=30` -> weights (journeys not named keep their default). */
export function parseWeights(value: string | undefined): Record<JourneyName, number> {
  const weights = Object.fromEntries(JOURNEYS.map((j) => [j.name, j.weight])) as Record<JourneyName, number>;
  if (!value) return weights;
  for (const part of value.split(',')) {
    const [name, w] = part.split('=').map((s) => s.trim());
    if (!(name in weights)) throw new Error(`WEIGHTS: unknown journey "${name}" (known: ${Object.keys(weights).join(', ')})`);
    const n = Number(w);
    if (!Number.isFinite(n) || n < 0) throw new Error(`WEIGHTS: "${part}" needs a number >= 0`);
    weights[name as JourneyName] = n;
  }
  return weights;
}

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min} (got "${raw}")`);
  return n;
}

function share(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new Error(`${name} must be a number from 0 to 1, got ${raw}`);
  return value;
}

function seconds(env: Env, name: string, fallback: string): number {
  const raw = env[name];
  return parseDuration(raw === undefined || raw === '' ? fallback : raw);
}

export function resolveSettings(env: Env): LoadSettings {
  const thinkMinMs = int(env, 'THINK_MIN_MS', 1000);
  const thinkMaxMs = int(env, 'THINK_MAX_MS', 3000);
  if (thinkMaxMs < thinkMinMs) throw new Error('THINK_MAX_MS must be >= THINK_MIN_MS');
  return {
    baseUrl: (env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, ''),
    vus: int(env, 'VUS', 1000, 1),
    rampUpS: seconds(env, 'RAMP_UP', '60s'),
    holdS: seconds(env, 'HOLD', '5m'),
    rampDownS: seconds(env, 'RAMP_DOWN', '30s'),
    spikeRampS: seconds(env, 'SPIKE_RAMP', '10s'),
    soakVus: int(env, 'SOAK_VUS', 300, 1),
    soakS: seconds(env, 'SOAK_DURATION', '2h'),
    stressStart: int(env, 'STRESS_START', 1000, 1),
    stressStep: int(env, 'STRESS_STEP', 1000, 1),
    stressMax: int(env, 'STRESS_MAX', 10000, 1),
    stressStepS: seconds(env, 'STRESS_STEP_DURATION', '60s'),
    thinkMinMs,
    thinkMaxMs,
    accountEmailTemplate: env.ACCOUNT_EMAIL || 'loadtest-{n4}@load.test',
    accountPassword: env.ACCOUNT_PASSWORD || 'loadtest-password',
    accounts: int(env, 'ACCOUNTS', 1000, 1),
    returningShare: share(env, 'RETURNING_SHARE', 0.9),
    loginsPerS: int(env, 'LOGINS_PER_S', 10, 1),
    sessionsFile: env['SESSIONS_FILE'] || undefined,
    weights: parseWeights(env.WEIGHTS),
    chat: {
      namespace: env.CHAT_NAMESPACE || '/chat',
      rooms: int(env, 'CHAT_ROOMS', 10, 1),
      messageIntervalMs: int(env, 'CHAT_MESSAGE_INTERVAL_MS', 5000, 50),
      sessionS: seconds(env, 'CHAT_SESSION', '60s'),
    },
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 10_000, 100),
  };
}

/** Account number (1-based) of virtual user n: users share accounts round-robin past the pool. */
export function accountNumber(settings: Pick<LoadSettings, 'accounts'>, vu: number): number {
  return ((vu - 1) % settings.accounts) + 1;
}

export function accountEmail(settings: Pick<LoadSettings, 'accountEmailTemplate' | 'accounts'>, vu: number): string {
  const n = accountNumber(settings, vu);
  return settings.accountEmailTemplate.replace('{n4}', String(n).padStart(4, '0')).replace('{n}', String(n));
}

/** Loopback source address of virtual user n: 127.0.0.2 .. 127.0.0.250, round-robin. */
export function loopbackAddress(vu: number, first = 2, last = 250): string {
  return `127.0.0.${first + ((vu - 1) % (last - first + 1))}`;
}

// The k6 virtual user's sign-in: a returning user (shared/returning-users.ts) takes its session
// from SESSIONS_FILE and sends no login request; the others, and everyone when no file is given,
// sign in with their password. k6's modules are stubbed; requests are recorded, not sent.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { isReturning, type SessionsFile } from '../../shared/returning-users.ts';
import { personaFor } from '../../shared/plan.ts';
import { resolveSettings } from '../../shared/settings.ts';

const requests: Array<{ method: string; url: string; auth?: string }> = [];
const vuId = { current: 1 };

vi.mock('k6', () => ({
  check: () => true,
  sleep: () => {},
  fail: (m: string) => {
    throw new Error(m);
  },
}));
vi.mock('k6/data', () => ({
  SharedArray: class {
    constructor(_name: string, make: () => unknown[]) {
      return make();
    }
  },
}));
vi.mock('k6/execution', () => ({
  default: {
    vu: {
      get idInTest() {
        return vuId.current;
      },
    },
  },
}));
vi.mock('k6/ws', () => ({ default: { connect: () => ({}) } }));
vi.mock('k6/metrics', () => ({
  Trend: class {
    add() {}
  },
  Counter: class {
    add() {}
  },
}));
vi.mock('k6/http', () => ({
  default: {
    expectedStatuses: () => ({}),
    request: (method: string, url: string, _body: unknown, params: { headers: Record<string, string> }) => {
      requests.push({ method, url, auth: params.headers.Authorization });
      const login = url.endsWith('/api/users/login');
      return { status: 200, body: JSON.stringify(login ? { user: { token: 'password-token', username: 'signed-in' } } : { articles: [], articlesCount: 0 }) };
    },
  },
}));

const settings = resolveSettings({});
const sessionsFile: SessionsFile = {
  issuedAt: new Date(0).toISOString(),
  ttlS: 86_400,
  sessions: Array.from({ length: settings.accounts }, (_, i) => ({ token: `session-${i + 1}`, username: `user-${i + 1}` })),
};
const env = globalThis as { __ENV?: Record<string, string>; open?: (path: string) => string };

/** First virtual user (from `from`) on a signed-in, non-chat journey that is, or is not, a returning user. */
function signedInVu(returning: boolean, from = 1): number {
  for (let vu = from; ; vu++) {
    const journey = personaFor(settings, vu);
    if (journey.signedIn && journey.name !== 'chat' && isReturning(vu, settings.returningShare) === returning) return vu;
  }
}

async function runFirstIteration(vu: number, sessionsPath?: string) {
  vi.resetModules();
  requests.length = 0;
  vuId.current = vu;
  env.__ENV = sessionsPath ? { SESSIONS_FILE: sessionsPath, THINK_MIN_MS: '0', THINK_MAX_MS: '0' } : { THINK_MIN_MS: '0', THINK_MAX_MS: '0' };
  const { runVirtualUser } = await import('./vu.ts');
  runVirtualUser({ roomIds: [] });
  return { logins: requests.filter((r) => r.url.endsWith('/api/users/login')).length, auth: requests.find((r) => r.auth)?.auth };
}

describe('k6 virtual user sign-in', () => {
  beforeEach(() => {
    env.open = (path: string) => {
      if (path !== '/sessions.json') throw new Error(`unexpected open(${path})`);
      return JSON.stringify(sessionsFile);
    };
  });

  it('a returning user takes its session from SESSIONS_FILE and sends no login', async () => {
    const vu = signedInVu(true);
    const run = await runFirstIteration(vu, '/sessions.json');
    expect(run.logins).toBe(0);
    expect(run.auth).toBe(`Token session-${vu}`);
  });

  it('a user who is not returning signs in with the password, file or not', async () => {
    const run = await runFirstIteration(signedInVu(false), '/sessions.json');
    expect(run.logins).toBe(1);
    expect(run.auth).toBe('Token password-token');
  });

  it('without SESSIONS_FILE every signed-in user signs in (the file is the only source of sessions)', async () => {
    const run = await runFirstIteration(signedInVu(true));
    expect(run.logins).toBe(1);
  });
});

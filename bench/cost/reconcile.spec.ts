import { describe, expect, it } from 'vitest';
import type { EndpointCost } from './endpoint-cost.ts';
import { reconcile } from './reconcile.ts';

const cost = (name: string, api: number): EndpointCost => ({ name, requests: 100, failed: 0, cpuUs: { api }, pgExecUs: 0, pgStatements: 0, redisCalls: 0 });

describe('reconcile (the mixed journey from its parts)', () => {
  const endpoints = [cost('GET /api/articles (anonymous, cached)', 200), cost('POST /api/articles', 1000), cost('chat: message (send, store, fan out)', 2000)];

  it('weights each endpoint measured alone by its share, maps driver names, and extends the average to unmeasured endpoints', () => {
    const r = reconcile({
      endpointMix: [
        { name: 'GET /api/articles', requests: 600 },
        { name: 'POST /api/articles', requests: 200 },
        { name: 'GET /api/articles/:slug (own)', requests: 200 }, // no case of its own
      ],
      endpoints,
      chatMessagesPerS: 0,
      rps: 400,
      measuredApiUsPerRequest: 1000,
    });
    expect(r.coveredShare).toBeCloseTo(0.8);
    // (0.6 x 200 + 0.2 x 1000) / 0.8 = 400
    expect(r.httpUs).toBeCloseTo(400);
    expect(r.predictedUs).toBeCloseTo(400);
    expect(r.measuredUs).toBe(1000);
    // Largest contribution first; the unmeasured endpoint has no cost of its own.
    expect(r.rows.map((x) => [x.name, x.aloneUs])).toEqual([
      ['POST /api/articles', 1000],
      ['GET /api/articles', 200],
      ['GET /api/articles/:slug (own)', undefined],
    ]);
  });

  it('adds chat messages per request at their own cost', () => {
    const r = reconcile({
      endpointMix: [{ name: 'GET /api/articles', requests: 10 }],
      endpoints,
      chatMessageCost: endpoints[2],
      chatMessagesPerS: 30,
      rps: 400,
      measuredApiUsPerRequest: 500,
    });
    // 30 messages/s x 2000 µs / 400 requests/s
    expect(r.chatUs).toBeCloseTo(150);
    expect(r.predictedUs).toBeCloseTo(350);
  });

  it('predicts nothing without a mix instead of dividing by zero', () => {
    const r = reconcile({ endpointMix: [], endpoints, chatMessagesPerS: 0, rps: 0, measuredApiUsPerRequest: 0 });
    expect(r).toMatchObject({ coveredShare: 0, httpUs: 0, chatUs: 0, predictedUs: 0 });
  });
});

describe('reconcile: the measured window', () => {
  it('leaves sign-ins out of the mix (they happen during the ramp, before the window)', () => {
    const r = reconcile({
      endpointMix: [
        { name: 'GET /api/articles', requests: 90 },
        { name: 'POST /api/users/login', requests: 10 },
      ],
      endpoints: [cost('GET /api/articles (anonymous, cached)', 200), cost('POST /api/users/login', 15000)],
      chatMessagesPerS: 0,
      rps: 100,
      measuredApiUsPerRequest: 400,
    });
    expect(r.rows.map((x) => x.name)).toEqual(['GET /api/articles']);
    expect(r.httpUs).toBeCloseTo(200);
  });
});

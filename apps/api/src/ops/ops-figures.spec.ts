import { describe, expect, it } from 'vitest';
import { apiFigures, p95Between, queueDepths } from './ops-figures.js';
import { parsePrometheusText } from './prometheus-text.js';

/** prom-client's exposition for a histogram with buckets 0.01, 0.1, 1 and the counters the page reads. */
function exposition(fast: number, slow: number, extra = ''): string {
  const total = fast + slow;
  return `# HELP http_request_duration_seconds x
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.01",method="GET",route="/api/tags",status_code="200"} ${fast}
http_request_duration_seconds_bucket{le="0.1",method="GET",route="/api/tags",status_code="200"} ${fast}
http_request_duration_seconds_bucket{le="1",method="GET",route="/api/tags",status_code="200"} ${total}
http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/tags",status_code="200"} ${total}
http_request_duration_seconds_bucket{le="0.01",method="GET",route="/health/ready",status_code="200"} 500
http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/health/ready",status_code="200"} 500
http_requests_total{method="GET",route="/api/tags",status_code="200"} ${total}
http_requests_total{method="GET",route="/health/ready",status_code="200"} 500
${extra}`;
}

describe('parsePrometheusText', () => {
  it('reads names, labels (escapes included) and values; skips comments', () => {
    const samples = parsePrometheusText('# HELP a b\nx_total{a="q\\"uote",b="2"} 3\ny 4.5\nz NaN\n');
    expect(samples).toEqual([
      { name: 'x_total', labels: { a: 'q"uote', b: '2' }, value: 3 },
      { name: 'y', labels: {}, value: 4.5 },
      { name: 'z', labels: {}, value: NaN },
    ]);
  });
});

describe('ops figures', () => {
  it('p95 of the requests between two reads, interpolated in its bucket; health checks are not traffic', () => {
    // 100 new requests: 90 under 10 ms, 10 between 100 ms and 1 s -> rank 95 is half-way into the last bucket.
    expect(p95Between(parsePrometheusText(exposition(0, 0)), parsePrometheusText(exposition(90, 10)))).toBeCloseTo(0.55, 5);
    expect(p95Between(parsePrometheusText(exposition(5, 5)), parsePrometheusText(exposition(5, 5)))).toBeNull();
  });

  it('rates over the interval; cache hit ratio counts in-process and Redis hits against Redis misses', () => {
    const cache = (hits: number, misses: number) =>
      `cache_requests_total{cache="tags",layer="local",result="hit"} ${hits}\ncache_requests_total{cache="tags",layer="local",result="miss"} ${misses}\ncache_requests_total{cache="tags",layer="redis",result="miss"} ${misses}\nload_shed_total{reason="limit",priority="low"} ${misses}\nchat_socket_connections 7\n`;
    const before = { at: 1_000, samples: parsePrometheusText(exposition(0, 0, cache(0, 0))) };
    const after = { at: 3_000, samples: parsePrometheusText(exposition(90, 10, cache(30, 10))) };
    const figures = apiFigures(before, after);
    expect(figures.requestsPerSecond).toBe(50);
    expect(figures.p95Ms).toBeCloseTo(550, 3);
    expect(figures.cacheHitRatio).toBe(0.75);
    expect(figures.shedPerSecond).toBe(5);
    expect(figures.chatConnections).toBe(7);
    expect(apiFigures(undefined, after)).toEqual({ requestsPerSecond: null, p95Ms: null, cacheHitRatio: null, shedPerSecond: null, chatConnections: 7 });
  });

  it('queue depths by queue and state', () => {
    expect(queueDepths(parsePrometheusText('queue_jobs{queue="email",state="waiting"} 3\nqueue_jobs{queue="email",state="active"} 1\nqueue_jobs{queue="image",state="waiting"} 0\n'))).toEqual({
      email: { waiting: 3, active: 1 },
      image: { waiting: 0 },
    });
  });
});

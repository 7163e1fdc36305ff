import { describe, expect, it } from 'vitest';
import { exportedSeries, metricNames } from './support/promql.js';

describe('metricNames (used by the dashboard test)', () => {
  it('finds metric names, not functions, labels or grouping clauses', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{job="api",route!~"/health/.*"}[5m])))')).toEqual([
      'http_request_duration_seconds_bucket',
    ]);
    expect(metricNames('nodejs_heap_size_used_bytes{job=~"api|worker"} / nodejs_heap_size_limit_bytes').sort()).toEqual(['nodejs_heap_size_limit_bytes', 'nodejs_heap_size_used_bytes']);
    expect(metricNames('sum(rate(a_total[1m])) > 0 and max by (queue) (b) > 100').sort()).toEqual(['a_total', 'b']);
    expect(metricNames('min(up)')).toEqual(['up']);
  });

  it('expands histogram series from # TYPE lines', () => {
    const names = exportedSeries('# HELP h x\n# TYPE h histogram\n# TYPE c_total counter\n# TYPE g gauge\ng 1\n');
    expect([...names].sort()).toEqual(['c_total', 'g', 'h', 'h_bucket', 'h_count', 'h_sum']);
  });
});

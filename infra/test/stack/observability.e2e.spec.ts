import { startStack, waitFor, type Stack } from '@conduit/stack';
import { createTestDatabase, type TestDatabase } from '@conduit/testing';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportedSeries, metricNames } from '../support/promql.js';
import { hasCommand } from '../support/tools.js';

/**
 * Monitoring against real processes: a 1-instance twin with the worker, HAProxy and (when
 * installed) Debian's Prometheus loading the same prometheus.yml and rules as compose.
 * Every metric the Grafana dashboard and the alert rules query must be exported by a process.
 */
const infra = fileURLToPath(new URL('../../', import.meta.url));
const HAVE_PROMETHEUS = hasCommand('prometheus');
if (!HAVE_PROMETHEUS) console.warn('observability.e2e: prometheus is not installed, skipping the live Prometheus checks (run scripts/install-system-deps.sh)');

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}
const dashboard = JSON.parse(readFileSync(join(infra, 'grafana/dashboards/conduit.json'), 'utf8')) as { panels: Panel[] };
const ruleFiles = readdirSync(join(infra, 'prometheus/rules')).map((f) => parse(readFileSync(join(infra, 'prometheus/rules', f), 'utf8')));
const rules = ruleFiles.flatMap((file: { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] }) => file.groups.flatMap((g) => g.rules));
/** Made by Prometheus itself or by our recording rules, not by a process. */
const derived = new Set(['up', ...rules.flatMap((r) => (r.record ? [r.record] : []))]);

describe('monitoring against the running twin', () => {
  let db: TestDatabase;
  let stack: Stack;
  let exported: Set<string>;
  let apiPage: string;
  let workerPage: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack({
      instances: 1,
      ports: 'auto',
      databaseUrl: db.url,
      migrate: false,
      worker: true,
      prometheus: HAVE_PROMETHEUS,
      web: false,
      env: { LOG_LEVEL: 'warn', LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '60000', DB_POOL_MAX: '3', JWT_SECRET: 'observability-test-secret-0123456789' },
      log: () => {},
    });
    // A request through the LB so labelled series exist too.
    await fetch(`${stack.urls.lb}/api/tags`);
    const pages = await Promise.all(
      [`${stack.urls.instances[0]}/metrics`, `${stack.urls.worker}/metrics`, `${stack.urls.lbStats}/metrics`].map(async (url) => {
        const res = await fetch(url);
        expect(res.status, url).toBe(200);
        return res.text();
      }),
    );
    exported = new Set(pages.flatMap((page) => [...exportedSeries(page)]));
    workerPage = pages[1];
    apiPage = pages[0];
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  }, 60_000);

  it('the worker was started (its metrics are part of the check)', () => {
    expect(stack.urls.worker).toBeTruthy();
    expect(exported.has('queue_jobs')).toBe(true);
  });

  it('each process reports the reachability of its own dependencies', () => {
    expect(apiPage).toMatch(/^conduit_dependency_up\{dependency="postgres"\} 1$/m);
    expect(apiPage).toMatch(/^conduit_dependency_up\{dependency="redis_cache"\} 1$/m);
    expect(workerPage).toMatch(/^conduit_dependency_up\{dependency="postgres"\} 1$/m);
    expect(workerPage).toMatch(/^conduit_dependency_up\{dependency="redis_queue"\} 1$/m);
  });

  it('the dashboard has one row per pattern, each with panels that have queries', () => {
    const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title.split(' (')[0]);
    expect(rows).toEqual(['Traffic & latency', 'Instances', 'Cache', 'Database', 'Chat', 'Queues']);
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(rows.length * 3);
    for (const panel of panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(metricNames(target.expr).length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
    }
  });

  it('every dashboard query names metrics the API, the worker or HAProxy really export', () => {
    const missing = dashboard.panels
      .flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, names: metricNames(t.expr) })))
      .flatMap(({ title, names }) => names.filter((n) => !exported.has(n) && !derived.has(n)).map((n) => `${title}: ${n}`));
    expect(missing).toEqual([]);
  });

  it('every alert rule reads metrics that are really exported', () => {
    const missing = rules.flatMap((r) =>
      metricNames(r.expr)
        .filter((n) => !exported.has(n) && !derived.has(n))
        .map((n) => `${r.alert ?? r.record}: ${n}`),
    );
    expect(missing).toEqual([]);
  });

  it('the worker image HEALTHCHECK path answers 200 on the real worker', async () => {
    const path = /process\.env\.WORKER_PORT\|\|3100\)\+'([^']+)'/.exec(readFileSync(join(infra, 'docker/node-app.Dockerfile'), 'utf8'))?.[1];
    expect(path).toBe('/health/live');
    expect((await fetch(`${stack.urls.worker}${path}`)).status).toBe(200);
  });

  it.skipIf(!HAVE_PROMETHEUS && !process.env.CI)(
    'Prometheus scrapes every process of the twin and loads every alert',
    async () => {
      const api = stack.urls.prometheus!;
      const targets = await waitFor(
        'all Prometheus targets up',
        async () => {
          const body = (await (await fetch(`${api}/api/v1/targets`)).json()) as { data: { activeTargets: { labels: { job: string }; health: string }[] } };
          const active = body.data.activeTargets;
          return active.length === 3 && active.every((t) => t.health === 'up') ? active : undefined;
        },
        60_000,
        500,
      );
      expect(targets.map((t) => t.labels.job).sort()).toEqual(['api', 'haproxy', 'worker']);
      const loaded = (await (await fetch(`${api}/api/v1/rules?type=alert`)).json()) as { data: { groups: { rules: { name: string; health: string }[] }[] } };
      const names = loaded.data.groups.flatMap((g) => g.rules.map((r) => r.name)).sort();
      expect(names).toEqual(rules.flatMap((r) => (r.alert ? [r.alert] : [])).sort());
    },
    90_000,
  );
});

import { appConfigSchema, loadConfig, loadWorkerConfig, workerConfigSchema } from '@conduit/config';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../apps/api/test/support/test-app.js';
import { hasCommand, run } from './support/tools.js';

/**
 * No Docker engine runs here, so compose.yaml and the Dockerfiles are checked structurally:
 * what `docker compose up` would need to work is asserted against the code it runs.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface Service {
  build?: { context: string; dockerfile: string; target?: string };
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
  networks?: Record<string, { ipv4_address?: string }> | string[];
}
const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const apiNames = Object.keys(services)
  .filter((name) => /^api-\d+$/.test(name))
  .sort();
const env = (name: string) => services[name].environment ?? {};
/** `${VAR:?message}` / `${VAR:-default}` are set by compose at run time: give them a value. */
const resolved = (vars: Record<string, string>) =>
  Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, v.replace(/\$\{(\w+):[?-][^}]*\}/g, (_, name: string) => (name === 'JWT_SECRET' ? 'a8f0c3e91b7d4f62a5e8c0d3b9f1e7a4' : 'x'))]));

function requiredKeys(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
    .map(([key]) => key);
}

describe('compose.yaml', () => {
  it('has the whole topology', () => {
    expect(apiNames.length).toBeGreaterThanOrEqual(2);
    for (const name of ['postgres', 'redis-cache', 'redis-queue', 'migrate', 'worker', 'web', 'haproxy', 'prometheus', 'grafana', 'mailpit']) {
      expect(services, name).toHaveProperty(name);
    }
  });

  it('builds every image from an existing context, Dockerfile and stage', () => {
    for (const [name, service] of Object.entries(services)) {
      if (!service.build) continue;
      const context = join(root, service.build.context);
      expect(existsSync(context), `${name} context`).toBe(true);
      const dockerfile = join(context, service.build.dockerfile);
      expect(existsSync(dockerfile), `${name} dockerfile ${service.build.dockerfile}`).toBe(true);
      if (service.build.target) expect(readFileSync(dockerfile, 'utf8'), `${name} target`).toMatch(new RegExp(`^FROM .+ AS ${service.build.target}$`, 'm'));
    }
  });

  it('gives PostgreSQL and both Redis roles health checks, and persistent ones volumes', () => {
    for (const name of ['postgres', 'redis-cache', 'redis-queue']) expect(services[name].healthcheck?.test.join(' '), name).toMatch(/pg_isready|redis-cli .*ping/);
    expect(services.postgres.volumes?.some((v) => v.endsWith(':/var/lib/postgresql/data'))).toBe(true);
    expect(services['redis-queue'].volumes?.some((v) => v.endsWith(':/data'))).toBe(true);
    for (const volume of [...(services.postgres.volumes ?? []), ...(services['redis-queue'].volumes ?? [])]) {
      const source = volume.split(':')[0];
      if (source.startsWith('./')) expect(existsSync(join(root, source)), volume).toBe(true);
      else expect(compose.volumes, volume).toHaveProperty(source);
    }
  });

  it('runs the Redis roles with their own configs: evicting cache, non-evicting persistent queue', () => {
    const cache = read('infra/redis/cache.conf');
    const queue = read('infra/redis/queue.conf');
    expect(cache).toMatch(/^maxmemory-policy allkeys-lru$/m);
    expect(cache).toMatch(/^save ""$/m);
    expect(cache).toMatch(/^appendonly no$/m);
    expect(queue).toMatch(/^maxmemory-policy noeviction$/m);
    expect(queue).toMatch(/^appendonly yes$/m);
    expect(services['redis-cache'].command?.join(' ')).toContain('cache.conf');
    expect(services['redis-queue'].command?.join(' ')).toContain('queue.conf');
    expect(env('worker').QUEUE_REDIS_URL).toMatch(/^redis:\/\/redis-queue:/);
    for (const api of apiNames) expect(env(api).REDIS_URL).toMatch(/^redis:\/\/redis-cache:/);
  });

  it('migrates once, before any API instance or the worker starts', () => {
    expect(services.migrate.command?.join(' ')).toContain('migrate.cli.js');
    expect(existsSync(join(root, 'libs/db/src/migrate.cli.ts'))).toBe(true);
    for (const name of [...apiNames, 'worker']) expect(services[name].depends_on?.migrate?.condition, name).toBe('service_completed_successfully');
  });

  it('sets only variables the API config schema knows, all required ones, and values it accepts', () => {
    const known = Object.keys(appConfigSchema.shape);
    for (const api of apiNames) {
      const vars = env(api);
      expect(
        Object.keys(vars).filter((key) => !known.includes(key)),
        api,
      ).toEqual([]);
      expect(
        requiredKeys(appConfigSchema).filter((key) => !(key in vars)),
        api,
      ).toEqual([]);
      expect(() => loadConfig(resolved(vars)), api).not.toThrow();
      expect(loadConfig(resolved(vars)).INSTANCE_ID).toBe(api);
    }
  });

  it('sets only variables the worker config schema knows, all required ones, and values it accepts', () => {
    const vars = env('worker');
    const known = Object.keys(workerConfigSchema.shape);
    expect(Object.keys(vars).filter((key) => !known.includes(key))).toEqual([]);
    expect(requiredKeys(workerConfigSchema).filter((key) => !(key in vars))).toEqual([]);
    expect(() => loadWorkerConfig(resolved(vars))).not.toThrow();
  });

  it('keeps the one-shot tools to DATABASE_URL (they read nothing else)', () => {
    for (const name of ['migrate', 'seed']) expect(Object.keys(env(name)), name).toEqual(['DATABASE_URL']);
  });

  it('fits the connection budget: instances x DB_POOL_MAX + worker + reserve <= max_connections', () => {
    const maxConnections = Number(/max_connections=(\d+)/.exec(services.postgres.command?.join(' ') ?? '')?.[1]);
    const apiConnections = apiNames.reduce((sum, api) => sum + loadConfig(resolved(env(api))).DB_POOL_MAX, 0);
    const workerConnections = loadWorkerConfig(resolved(env('worker'))).WORKER_DB_POOL_MAX;
    const reserve = 15; // the reserve written next to the scale setting in compose.yaml
    expect(apiConnections + workerConnections + reserve).toBeLessThanOrEqual(maxConnections);
    expect(read('compose.yaml')).toContain(`${apiNames.length} API instances x DB_POOL_MAX`);
  });

  it('trusts X-Forwarded-For only from the load balancer address', () => {
    const lbAddress = (services.haproxy.networks as Record<string, { ipv4_address?: string }>).backend.ipv4_address;
    expect(lbAddress).toBeTruthy();
    for (const api of apiNames) expect(loadConfig(resolved(env(api))).TRUSTED_PROXIES).toEqual([lbAddress]);
  });

  it('points HAProxy and Prometheus at exactly the API instances (same ports)', () => {
    const lb = env('haproxy');
    const upstreams = Object.entries(lb)
      .filter(([key]) => /^API_\d+_ADDR$/.test(key))
      .map(([, value]) => value)
      .sort();
    const instances = apiNames.map((api) => `${api}:${env(api).PORT}`).sort();
    expect(upstreams).toEqual(instances);
    const targets = JSON.parse(read('infra/prometheus/targets/api.json')) as { targets: string[] }[];
    expect(targets.flatMap((t) => t.targets).sort()).toEqual(instances);
    const worker = JSON.parse(read('infra/prometheus/targets/worker.json')) as { targets: string[] }[];
    expect(worker.flatMap((t) => t.targets)).toEqual([`worker:${env('worker').WORKER_PORT}`]);
    const haproxyTargets = JSON.parse(read('infra/prometheus/targets/haproxy.json')) as { targets: string[] }[];
    expect(haproxyTargets.flatMap((t) => t.targets)).toEqual([`haproxy${lb.LB_STATS_BIND}`]);
    expect(lb.WEB_ADDR).toBe('web:8080');
    expect(services.haproxy.ports).toContain(`${lb.LB_BIND.slice(1)}:${lb.LB_BIND.slice(1)}`);
    // The config file HAProxy mounts is the one the twin uses.
    expect(services.haproxy.volumes).toContain('./infra/haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    expect(services.prometheus.volumes).toContain('./infra/prometheus:/etc/prometheus:ro');
  });

  it.skipIf(!hasCommand('haproxy') && !process.env.CI)('HAProxy accepts its config with the compose addresses, with one thread or LB_THREADS', () => {
    const { status, output } = run('haproxy', ['-c', '-f', join(root, 'infra/haproxy/haproxy.cfg')], { PATH: process.env.PATH, ...env('haproxy') });
    expect(status, output).toBe(0);
    const threads = run('haproxy', ['-c', '-f', join(root, 'infra/haproxy/haproxy.cfg')], { PATH: process.env.PATH, ...env('haproxy'), LB_THREADS: '2' });
    expect(threads.status, threads.output).toBe(0);
    const bad = run('haproxy', ['-c', '-f', join(root, 'infra/haproxy/haproxy.cfg')], { PATH: process.env.PATH, ...env('haproxy'), LB_THREADS: 'many' });
    expect(bad.status).not.toBe(0);
  });

  it('provisions Grafana with the datasource uid the dashboard uses', () => {
    const datasource = parse(read('infra/grafana/provisioning/datasources/prometheus.yml')) as { datasources: { uid: string; url: string }[] };
    expect(datasource.datasources[0].url).toBe('http://prometheus:9090');
    const dashboard = JSON.parse(read('infra/grafana/dashboards/conduit.json')) as { panels: { type: string; datasource?: { uid: string } }[] };
    const uids = new Set(dashboard.panels.filter((p) => p.type !== 'row').map((p) => p.datasource?.uid));
    expect([...uids]).toEqual([datasource.datasources[0].uid]);
    const provider = parse(read('infra/grafana/provisioning/dashboards/conduit.yml')) as { providers: { options: { path: string } }[] };
    expect(services.grafana.volumes).toContain(`./infra/grafana/dashboards:${provider.providers[0].options.path}:ro`);
  });
});

describe('Dockerfiles', () => {
  const node = read('infra/docker/node-app.Dockerfile');
  const web = read('infra/docker/web.Dockerfile');
  const stage = (file: string, name: string) => file.split(/^FROM /m).find((s) => new RegExp(` AS ${name}\\n`).test(s.split('\n')[0] + '\n')) ?? '';

  it('are multi-stage, install production dependencies only and run as a non-root user', () => {
    expect(node.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(4);
    expect(node).toMatch(/npm ci --omit=dev/);
    expect(stage(node, 'runtime-base')).toMatch(/^USER node$/m);
    expect(stage(node, 'runtime-base')).toContain('--from=prod-deps');
    expect(web.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(stage(web, 'web')).toMatch(/^USER 101$/m);
  });

  it('start the built entry points and declare a HEALTHCHECK', () => {
    for (const [name, main] of [
      ['api', 'apps/api/dist/main.js'],
      ['worker', 'apps/worker/dist/main.js'],
    ]) {
      expect(stage(node, name), name).toContain(`"${main}"`);
      expect(stage(node, name), name).toMatch(/^HEALTHCHECK /m);
      expect(existsSync(join(root, main.replace('/dist/', '/src/').replace(/\.js$/, '.ts'))), main).toBe(true);
    }
    expect(stage(web, 'web')).toMatch(/^HEALTHCHECK /m);
  });
});

describe('health checks target real endpoints', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({});
  });
  afterAll(() => app?.close());

  it('the API image HEALTHCHECK and the HAProxy check paths answer 200 on the real API', async () => {
    const dockerPath = /fetch\('http:\/\/127\.0\.0\.1:'\+\(process\.env\.PORT\|\|3000\)\+'([^']+)'\)/.exec(read('infra/docker/node-app.Dockerfile'))?.[1];
    const lbPath = /http-check send meth GET uri (\S+)/.exec(read('infra/haproxy/haproxy.cfg'))?.[1];
    expect(dockerPath).toBe('/health/live');
    expect(lbPath).toBe('/health/ready');
    for (const path of [dockerPath, lbPath]) expect((await fetch(`${app.url}${path}`)).status, path).toBe(200);
    // Readiness must fail while draining, or HAProxy could not take an instance out.
    const { LifecycleService } = await import('../../apps/api/src/lifecycle/lifecycle.service.js');
    app.app.get(LifecycleService).startDraining();
    expect((await fetch(`${app.url}${lbPath}`)).status).toBe(503);
  });
});

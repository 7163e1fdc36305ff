import { appConfigSchema, workerConfigSchema } from '@conduit/config';
import { renderPgBouncerIni } from '@conduit/stack';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBudget, renderAll, repoRoot, type Rendered } from './rendered.js';

/**
 * overlays/production-pgbouncer: PgBouncer in transaction mode in front of the managed PostgreSQL,
 * with the same settings as compose.pgbouncer.yaml (infra/pgbouncer/pgbouncer.ini) and libs/stack's
 * generated ini, the api and worker pointed at it through the config keys the app reads, the
 * migrate Job left direct, and a budget that fits max_connections. Every other overlay stays direct.
 */
const overlays = renderAll();
const pooled = overlays.find((o) => o.name === 'production-pgbouncer')!;

interface Ini {
  settings: Record<string, string>;
  /** [databases]: name -> "host=.. port=.. dbname=.. connect_query='..'". */
  databases: Record<string, string>;
}

function parseIni(text: string): Ini {
  const ini: Ini = { settings: {}, databases: {} };
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith(';') || line.startsWith('#')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const m = /^([\w-]+)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new Error(`pgbouncer.ini line not understood: ${line}`);
    (section === 'databases' ? ini.databases : ini.settings)[m[1]] = m[2];
  }
  return ini;
}

/** "host=x port=5432 dbname=conduit connect_query='SET ..'" -> fields. */
function parseDatabase(entry: string): Record<string, string> {
  return Object.fromEntries([...entry.matchAll(/(\w+)=('[^']*'|\S+)/g)].map((m) => [m[1], m[2].replace(/^'|'$/g, '')]));
}

const k8sIni = parseIni((pooled.get('ConfigMap', 'pgbouncer-config').data as Record<string, string>)['pgbouncer.ini']);
const composeIni = parseIni(readFileSync(join(repoRoot, 'infra/pgbouncer/pgbouncer.ini'), 'utf8'));
const secret = (r: Rendered, name: string) => (r.get('Secret', name).stringData ?? {}) as Record<string, string>;

/** What a container's environment resolves to: envFrom (ConfigMap, Secret), then its env entries (from Secrets). */
function containerEnv(r: Rendered, kind: string, name: string): Record<string, string> {
  const c = r.container(kind, name) as ReturnType<Rendered['container']> & { env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }> };
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, r.get('ConfigMap', from.configMapRef.name).data);
    if (from.secretRef) Object.assign(env, secret(r, from.secretRef.name));
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) env[e.name] = secret(r, e.valueFrom.secretKeyRef.name)[e.valueFrom.secretKeyRef.key];
  }
  return env;
}

/** The production Secret's JWT_SECRET is a placeholder production refuses; the real one comes from the secret manager. */
const withRealJwt = (env: Record<string, string>) => ({ ...env, JWT_SECRET: 'Zq8v1mR4kX7tB2nW9cL5hJ3pF6sD0gYe' });

describe('overlay production-pgbouncer', () => {
  it('runs PgBouncer with the settings of compose.pgbouncer.yaml (only the upstream host and max_client_conn differ)', () => {
    expect(Object.keys(k8sIni.settings).sort()).toEqual(Object.keys(composeIni.settings).sort());
    const differ = Object.keys(k8sIni.settings).filter((k) => k8sIni.settings[k] !== composeIni.settings[k]);
    expect(differ).toEqual(['max_client_conn']);
    expect(k8sIni.settings.pool_mode).toBe('transaction');
    expect(Object.keys(k8sIni.databases)).toEqual(Object.keys(composeIni.databases));
    const [k8sDb, composeDb] = [k8sIni.databases, composeIni.databases].map((d) => parseDatabase(Object.values(d)[0]));
    expect({ ...k8sDb, host: undefined }).toEqual({ ...composeDb, host: undefined });
  });

  it("matches libs/stack's generated ini for the pooling behaviour, from the ConfigMap's timeouts", () => {
    const env = pooled.environment;
    const stack = parseIni(
      renderPgBouncerIni({
        port: 6432,
        upstreamUrl: env.DATABASE_URL,
        poolSize: Number(k8sIni.settings.default_pool_size),
        maxClientConn: Number(k8sIni.settings.max_client_conn),
        queryWaitTimeoutMs: Number(env.DB_POOL_ACQUIRE_TIMEOUT_MS),
        statementTimeoutMs: Number(env.DB_STATEMENT_TIMEOUT_MS),
        dir: '/etc/pgbouncer',
      }),
    );
    // Loopback trust and the admin console are the local stack's; listen address and auth are production's.
    const local = ['listen_addr', 'listen_port', 'auth_type', 'admin_users'];
    for (const key of Object.keys(stack.settings).filter((k) => !local.includes(k))) expect(k8sIni.settings[key], key).toBe(stack.settings[key]);
    expect(parseDatabase(Object.values(k8sIni.databases)[0]).connect_query).toBe(parseDatabase(Object.values(stack.databases)[0]).connect_query);
    expect(Number(k8sIni.settings.query_wait_timeout) * 1000).toBe(Number(env.DB_POOL_ACQUIRE_TIMEOUT_MS));
  });

  it('points the api and worker at the pgbouncer Service in transaction-pooler mode; the config schema accepts their environment', () => {
    const service = pooled.get('Service', 'pgbouncer').spec as { ports: Array<{ port: number }> };
    expect(service.ports[0].port).toBe(Number(k8sIni.settings.listen_port));
    for (const [name, schema] of [
      ['api', appConfigSchema],
      ['worker', workerConfigSchema],
    ] as const) {
      const env = containerEnv(pooled, 'Deployment', name);
      const url = new URL(env.DATABASE_URL);
      expect(url.host, name).toBe(`pgbouncer:${service.ports[0].port}`);
      expect(url.pathname.slice(1), name).toBe(Object.keys(k8sIni.databases)[0]);
      expect(secret(pooled, 'conduit-pgbouncer')['userlist.txt'], name).toMatch(new RegExp(`^"${decodeURIComponent(url.username)}" `, 'm'));
      const parsed = schema.safeParse(withRealJwt(env));
      expect(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      expect(parsed.data?.DB_TRANSACTION_POOLER, name).toBe(true);
    }
  });

  it('keeps the migrate Job on PostgreSQL directly (session advisory locks), at the host PgBouncer pools', () => {
    const url = new URL(containerEnv(pooled, 'Job', 'migrate').DATABASE_URL);
    const upstream = parseDatabase(Object.values(k8sIni.databases)[0]);
    expect([url.hostname, url.port]).toEqual([upstream.host, upstream.port]);
  });

  it('fits the connection budget: PgBouncer pods x max_db_connections + reserve <= max_connections; every app connection fits one pod', () => {
    const budget = parseBudget(pooled.get('HorizontalPodAutoscaler', 'api').metadata.annotations?.['conduit.example.com/connection-budget'] ?? '');
    const deployment = pooled.get('Deployment', 'pgbouncer');
    const replicas = (deployment.spec as { replicas: number }).replicas;
    const server = Number(k8sIni.settings.max_db_connections);
    expect(Number(k8sIni.settings.default_pool_size)).toBe(server);
    expect(replicas * server + budget.reserve).toBeLessThanOrEqual(budget.max);
    const env = pooled.environment;
    const hpa = pooled.get('HorizontalPodAutoscaler', 'api').spec as { maxReplicas: number };
    const keda = pooled.get('ScaledObject', 'worker').spec as { maxReplicaCount: number };
    const clients = hpa.maxReplicas * Number(env.DB_POOL_MAX) + keda.maxReplicaCount * Number(env.WORKER_DB_POOL_MAX);
    expect(clients).toBeLessThanOrEqual(Number(k8sIni.settings.max_client_conn));
    expect(deployment.metadata.annotations?.['conduit.example.com/connection-budget']).toBe(
      `pgbouncer ${replicas} x max_db_connections ${server} + reserve ${budget.reserve} = ${replicas * server + budget.reserve} <= max_connections ${budget.max}; clients api ${hpa.maxReplicas} x ${env.DB_POOL_MAX} + worker ${keda.maxReplicaCount} x ${env.WORKER_DB_POOL_MAX} = ${clients} <= max_client_conn ${k8sIni.settings.max_client_conn} per pod`,
    );
  });

  it('lets only the api and worker pods reach PgBouncer, and them reach it', () => {
    type Rule = { from?: Array<{ podSelector?: { matchLabels: Record<string, string> } }>; ports?: Array<{ port: number }> };
    const policy = pooled.get('NetworkPolicy', 'pgbouncer').spec as { ingress: Rule[]; egress: Rule[] };
    expect(policy.ingress.flatMap((r) => r.from ?? []).map((f) => f.podSelector?.matchLabels['app.kubernetes.io/component'])).toEqual(['api', 'worker']);
    expect(policy.ingress.flatMap((r) => r.ports ?? []).map((p) => p.port)).toEqual([Number(k8sIni.settings.listen_port)]);
    for (const name of ['api', 'worker']) {
      const egress = (pooled.get('NetworkPolicy', name).spec as { egress: Rule[] }).egress.flatMap((r) => r.ports ?? []).map((p) => p.port);
      expect(egress, name).toContain(Number(k8sIni.settings.listen_port));
      // The read replica (DATABASE_REPLICA_URL) is reached directly.
      expect(egress, name).toContain(5432);
    }
  });
});

describe('every overlay: DB_TRANSACTION_POOLER says whether the apps connect through PgBouncer', () => {
  it.each(overlays.map((o) => [o.name, o] as const))('%s', (_name, rendered) => {
    for (const name of ['api', 'worker']) {
      const env = containerEnv(rendered, 'Deployment', name);
      const throughPooler = new URL(env.DATABASE_URL).hostname === 'pgbouncer';
      expect(env.DB_TRANSACTION_POOLER, name).toBe(String(throughPooler));
    }
    expect(overlays.filter((o) => o.all('Deployment').some((d) => d.metadata.name === 'pgbouncer')).map((o) => o.name)).toEqual(['production-pgbouncer']);
  });
});

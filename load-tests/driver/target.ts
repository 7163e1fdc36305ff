// Which processes make up the system under test, for the per-process CPU table.
import pg from 'pg';
import { pidsByName, type ProcessGroup } from './process-cpu.ts';

export interface TargetProcesses {
  /** One entry per API instance (exact pids from the stack), or discovered by command line. */
  apiPids?: Array<() => number[]>;
  workerPids?: () => number[];
  lbPids?: () => number[];
  /** Redis ports whose redis-server processes to count (cache, queue). */
  redisPorts?: number[];
  /** The database the API uses: its backends in pg_stat_activity are "PostgreSQL". */
  databaseUrl?: string;
}

const byCmdline = (re: RegExp) => () => pidsByName('node', re).concat(pidsByName('MainThread', re));

export function processGroups(t: TargetProcesses): { groups: ProcessGroup[]; close: () => Promise<void> } {
  const groups: ProcessGroup[] = [];
  const api = t.apiPids ?? [byCmdline(/apps\/api\/dist\/main\.js/)];
  api.forEach((pids, i) => groups.push({ name: api.length > 1 ? `API instance ${i + 1}` : 'API instances', short: `api${api.length > 1 ? i + 1 : ''}`, pids }));
  groups.push({ name: 'worker', short: 'worker', pids: t.workerPids ?? byCmdline(/apps\/worker\/dist\/main\.js/) });
  groups.push({ name: 'load balancer (HAProxy)', short: 'lb', pids: t.lbPids ?? (() => pidsByName('haproxy')) });
  const ports = t.redisPorts;
  groups.push({
    name: 'Redis',
    short: 'redis',
    pids: () => pidsByName('redis-server', ports?.length ? new RegExp(`:(${ports.join('|')})\\b`) : undefined),
    note: ports?.length ? `ports ${ports.join(', ')}` : 'every redis-server on the box',
  });
  let client: pg.Client | undefined;
  let dbName = '';
  if (t.databaseUrl) {
    dbName = new URL(t.databaseUrl).pathname.slice(1);
    const admin = new URL(t.databaseUrl);
    admin.pathname = '/postgres';
    client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3_000, statement_timeout: 2_000 });
    client.on('error', () => {});
    const connected = client.connect().then(
      () => true,
      () => false,
    );
    groups.push({
      name: 'PostgreSQL',
      short: 'pg',
      note: `backends serving database ${dbName} (pg_stat_activity)`,
      pids: async () => {
        if (!(await connected)) return [];
        const res = await client!.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
        return res.rows.map((r) => r.pid);
      },
    });
  } else {
    groups.push({ name: 'PostgreSQL', short: 'pg', pids: () => pidsByName('postgres'), note: 'every postgres process on the box' });
  }
  for (const g of groups) g.stack = true;
  return { groups, close: async () => void (await client?.end().catch(() => {})) };
}

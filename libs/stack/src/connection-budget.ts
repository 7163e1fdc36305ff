import pg from 'pg';

export interface ConnectionBudget {
  maxConnections: number;
  reserve: number;
  workerPool: number;
  perInstance: number;
  instances: number;
  /** With PgBouncer in front: the app pools are its clients, its pool is PostgreSQL's. */
  pooler?: PoolerBudget;
}

export interface PoolerBudget {
  /** instances x perInstance + worker pools: connections to PgBouncer. */
  clientConnections: number;
  /** PgBouncer default_pool_size (= max_db_connections): connections to PostgreSQL. */
  poolSize: number;
  maxClientConn: number;
}

/**
 * Connection budget (pattern: bounded pools): instances x DB_POOL_MAX + worker pool + reserve
 * must stay <= PostgreSQL max_connections, or the N+1th instance fails to connect under load.
 * The reserve covers superuser slots, migrations, psql and the tests that share this server.
 *
 * With a transaction-mode pooler (pattern: connection pooler) the chain is app pools ->
 * PgBouncer default_pool_size -> max_connections: the app pools keep their wanted size (they are
 * PgBouncer's clients, cheap), and only PgBouncer's pool must fit max_connections - reserve.
 * Tested in infra/test/db-tier/pgbouncer.e2e.spec.ts (10 instances, max_connections 50).
 */
export async function connectionBudget(databaseUrl: string, instances: number, wanted: number, workerPool: number, pooled = false): Promise<ConnectionBudget> {
  const maxConnections = await readMaxConnections(databaseUrl);
  const reserve = Math.max(10, Math.ceil(maxConnections * 0.3));
  if (pooled) return { maxConnections, reserve, workerPool, perInstance: wanted, instances, pooler: poolerBudget(maxConnections, reserve, instances * wanted + workerPool) };
  const perInstance = Math.max(2, Math.min(wanted, Math.floor((maxConnections - reserve - workerPool) / instances)));
  return { maxConnections, reserve, workerPool, perInstance, instances };
}

/** PgBouncer's pool: no more than its clients could use, no more than PostgreSQL has to give. */
export function poolerBudget(maxConnections: number, reserve: number, clientConnections: number): PoolerBudget {
  const poolSize = Math.max(2, Math.min(clientConnections, maxConnections - reserve));
  // Room for every client to reconnect once (a restart) before the old sockets are gone.
  return { clientConnections, poolSize, maxClientConn: 2 * clientConnections + 20 };
}

/** One line for the CLI and logs: where each connection goes. */
export function describeBudget(b: ConnectionBudget): string {
  const apps = `${b.instances} x ${b.perInstance} + worker ${b.workerPool}`;
  if (!b.pooler) return `${apps} + reserve ${b.reserve} <= max_connections ${b.maxConnections}`;
  const p = b.pooler;
  return `app pools ${apps} = ${p.clientConnections} -> PgBouncer default_pool_size ${p.poolSize} (transaction mode, max_client_conn ${p.maxClientConn}) -> + reserve ${b.reserve} <= max_connections ${b.maxConnections}`;
}

async function readMaxConnections(databaseUrl: string): Promise<number> {
  const admin = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000, query_timeout: 5_000 });
  try {
    await admin.connect();
    return Number((await admin.query('SHOW max_connections')).rows[0].max_connections);
  } catch {
    // the database may not exist yet (migrate creates it): assume the default
    return 100;
  } finally {
    await admin.end().catch(() => {});
  }
}

import pg from 'pg';

export interface ConnectionBudget {
  maxConnections: number;
  reserve: number;
  workerPool: number;
  perInstance: number;
  instances: number;
}

/**
 * Connection budget (pattern: bounded pools): instances x DB_POOL_MAX + worker pool + reserve
 * must stay <= PostgreSQL max_connections, or the N+1th instance fails to connect under load.
 * The reserve covers superuser slots, migrations, psql and the tests that share this server.
 */
export async function connectionBudget(databaseUrl: string, instances: number, wanted: number, workerPool: number): Promise<ConnectionBudget> {
  const admin = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  let maxConnections = 100;
  try {
    await admin.connect();
    maxConnections = Number((await admin.query('SHOW max_connections')).rows[0].max_connections);
  } catch {
    // the database may not exist yet (migrate creates it): assume the default
  } finally {
    await admin.end().catch(() => {});
  }
  const reserve = Math.max(10, Math.ceil(maxConnections * 0.3));
  const perInstance = Math.max(2, Math.min(wanted, Math.floor((maxConnections - reserve - workerPool) / instances)));
  return { maxConnections, reserve, workerPool, perInstance, instances };
}

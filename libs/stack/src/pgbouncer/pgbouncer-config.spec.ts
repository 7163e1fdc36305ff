import { describe, expect, it } from 'vitest';
import { describeBudget, poolerBudget } from '../connection-budget.js';
import { pooledUrl, renderPgBouncerIni, renderUserlist } from './pgbouncer-config.js';

const settings = {
  port: 7001,
  upstreamUrl: 'postgresql://app:s%22cret@db.local:5433/conduit_t_1',
  poolSize: 35,
  maxClientConn: 220,
  queryWaitTimeoutMs: 2_000,
  statementTimeoutMs: 5_000,
  dir: '/run/x',
};

describe('PgBouncer configuration', () => {
  it('pools the upstream database in transaction mode with the budget and the login settings', () => {
    const ini = renderPgBouncerIni(settings);
    expect(ini).toContain("conduit_t_1 = host=db.local port=5433 dbname=conduit_t_1 connect_query='SET statement_timeout = 5000; SET jit = off'");
    expect(ini).toMatch(/^pool_mode = transaction$/m);
    expect(ini).toMatch(/^default_pool_size = 35$/m);
    expect(ini).toMatch(/^max_db_connections = 35$/m);
    expect(ini).toMatch(/^max_client_conn = 220$/m);
    expect(ini).toMatch(/^query_wait_timeout = 2$/m);
    expect(ini).toMatch(/^listen_port = 7001$/m);
  });

  it('refuses a database name it cannot quote', () => {
    expect(() => renderPgBouncerIni({ ...settings, upstreamUrl: 'postgresql://app@db/x%20y' })).toThrow(/unsupported database name/);
  });

  it('gives the apps the same database and user on its own port, and knows the user', () => {
    expect(pooledUrl(settings)).toBe('postgresql://app:s%22cret@127.0.0.1:7001/conduit_t_1');
    expect(renderUserlist(settings.upstreamUrl)).toBe('"app" "s""cret"\n');
  });

  it('sizes its pool to the clients, within max_connections minus the reserve', () => {
    expect(poolerBudget(50, 15, 100)).toEqual({ clientConnections: 100, poolSize: 35, maxClientConn: 220 });
    expect(poolerBudget(100, 30, 45).poolSize).toBe(45);
    const line = describeBudget({ maxConnections: 50, reserve: 15, workerPool: 5, perInstance: 20, instances: 2, pooler: poolerBudget(50, 15, 45) });
    expect(line).toBe('app pools 2 x 20 + worker 5 = 45 -> PgBouncer default_pool_size 35 (transaction mode, max_client_conn 110) -> + reserve 15 <= max_connections 50');
  });
});

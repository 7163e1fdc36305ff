import { join } from 'node:path';
import type { StackContext } from '../types.js';
import { PostgresReplica } from './postgres-replica.js';

/**
 * `--replica`: a streaming replica of the stack's database under var/ (or the run directory), on
 * its own port, started after migrate/seed; the apps get DATABASE_REPLICA_URL. Its slot is dropped
 * when the stack stops.
 */
export async function startReplica(ctx: StackContext): Promise<PostgresReplica> {
  const port = ctx.ports.replica;
  if (port === undefined) throw new Error('no port for the replica (ports.replica)');
  const replica = new PostgresReplica({ primaryUrl: ctx.databaseUrl, port, dir: join(ctx.runDir, 'replica'), slot: `conduit_stack_${port}` }, (command, args) =>
    ctx.processes.spawn('postgres-replica', command, args, ctx.systemEnv, ctx.options.supervise !== false),
  );
  ctx.log(`replica: pg_basebackup of the primary into ${replica.dataDir} (slot ${replica.settings.slot})`);
  await replica.start();
  ctx.processes.afterStop(() => replica.destroy());
  ctx.log(`replica: streaming on 127.0.0.1:${port}`);
  return replica;
}

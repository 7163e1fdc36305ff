import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from './paths.js';
import { redisAnswers, redisPolicy } from './redis-probe.js';
import type { StackContext } from './types.js';
import { waitFor } from './wait-for.js';

type RedisRole = 'cache' | 'queue';

export interface RedisUrls {
  cacheRedis: string;
  queueRedis: string;
}

/** The two Redis roles (pattern: separate cache and queue Redis): reused when running, else started. */
export async function startRedisRoles(ctx: StackContext): Promise<RedisUrls> {
  const cacheRedis = await startRedisRole(ctx, 'cache', ctx.ports.cacheRedis, ctx.options.cacheRedisUrl);
  const queueRedis = await startRedisRole(ctx, 'queue', ctx.ports.queueRedis, ctx.options.queueRedisUrl);
  return { cacheRedis, queueRedis };
}

async function startRedisRole(ctx: StackContext, role: RedisRole, port: number, given?: string): Promise<string> {
  const url = given ?? `redis://127.0.0.1:${port}`;
  if (given || (await redisAnswers(url))) {
    await reportReusedRedis(ctx, role, url);
    return url;
  }
  const dir = join(ctx.runDir, `redis-${role}`);
  mkdirSync(dir, { recursive: true });
  const args = [...redisRoleArgs(role), '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--logfile', ''];
  ctx.processes.spawn(`redis-${role}`, 'redis-server', args, ctx.systemEnv, true).start();
  await waitFor(`redis-${role} on ${port}`, () => redisAnswers(url), 10_000);
  return url;
}

async function reportReusedRedis(ctx: StackContext, role: RedisRole, url: string): Promise<void> {
  const policy = await redisPolicy(url);
  const wanted = role === 'queue' ? 'noeviction' : 'allkeys-lru';
  const warning = policy && policy !== wanted ? ` (WARNING: maxmemory-policy ${policy}, expected ${wanted})` : '';
  ctx.log(`redis-${role}: using the server already running at ${url}${warning}`);
}

/** infra/redis/<role>.conf (the same file compose uses), or its essentials when missing. */
function redisRoleArgs(role: RedisRole): string[] {
  const conf = repoPath('infra/redis', `${role}.conf`);
  if (existsSync(conf)) return [conf];
  return role === 'queue' ? ['--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--maxmemory-policy', 'allkeys-lru', '--save', '', '--appendonly', 'no'];
}

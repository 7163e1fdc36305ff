import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { RedisBreaker, UNAVAILABLE } from '@conduit/cache';
import type { Redis } from 'ioredis';
import { CACHE_REDIS } from '../redis/redis.module.js';
import { chatDeliveryErrors } from './chat.metrics.js';
import type { PresenceUser } from './chat.types.js';

export interface PresenceEntry {
  roomId: number;
  user: PresenceUser;
  socketId: string;
}

/**
 * Who is online in a room, across instances: one Redis sorted set per room whose members are
 * sockets (`userId|username|socketId`) scored by an expiry time. Each instance refreshes its own
 * sockets every TTL/3; entries of an instance that died (SIGKILL, OOM) stop being refreshed and
 * drop out after CHAT_PRESENCE_TTL_MS, so presence heals without any coordinator.
 * Redis failures degrade presence (empty list, counted in chat_delivery_errors_total{stage="presence"}),
 * never messaging. Every command goes through the cache client's RedisBreaker (shared with the cache
 * and the rate limiter): while Redis is dead, joins and heartbeats skip it instead of each paying a
 * command timeout. Tested in apps/api/test/chat/chat-multi-instance.spec.ts.
 */
@Injectable()
export class ChatPresenceService {
  private readonly logger = new Logger('ChatPresence');
  private readonly ttlMs: number;
  private readonly breaker: RedisBreaker;

  constructor(
    @Inject(CACHE_REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.ttlMs = config.CHAT_PRESENCE_TTL_MS;
    this.breaker = new RedisBreaker(redis, { onFailure: (_op, reason) => reason === 'skipped' && chatDeliveryErrors.inc({ stage: 'presence' }) });
  }

  get heartbeatIntervalMs(): number {
    return Math.max(250, Math.floor(this.ttlMs / 3));
  }

  private key(roomId: number): string {
    return `${this.config.REDIS_KEY_PREFIX}chat:presence:${roomId}`;
  }

  private member(e: PresenceEntry): string {
    return `${e.user.id}|${e.user.username}|${e.socketId}`;
  }

  /** Adds or refreshes entries; returns false if Redis is unavailable. */
  async touch(entries: PresenceEntry[]): Promise<boolean> {
    if (entries.length === 0) return true;
    const expiresAt = Date.now() + this.ttlMs;
    const pipeline = this.redis.pipeline();
    for (const e of entries) {
      pipeline.zadd(this.key(e.roomId), expiresAt, this.member(e));
      // The key itself expires if nobody refreshes it (every instance gone).
      pipeline.pexpire(this.key(e.roomId), this.ttlMs * 2);
    }
    return this.run(pipeline);
  }

  async remove(entries: PresenceEntry[]): Promise<boolean> {
    if (entries.length === 0) return true;
    const pipeline = this.redis.pipeline();
    for (const e of entries) pipeline.zrem(this.key(e.roomId), this.member(e));
    return this.run(pipeline);
  }

  /** Removes every socket of a user from a room (leave: the user's sockets on other instances too). */
  async removeUser(roomId: number, userId: number): Promise<void> {
    await this.guarded('remove-user', async (redis) => {
      const members = await redis.zrange(this.key(roomId), '0', '-1');
      const mine = members.filter((m) => m.startsWith(`${userId}|`));
      if (mine.length) await redis.zrem(this.key(roomId), ...mine);
    });
  }

  /** Drops expired entries; returns how many went (a dead instance's sockets), or 0 on failure. */
  async sweep(roomIds: number[]): Promise<Map<number, number>> {
    const removed = new Map<number, number>();
    if (roomIds.length === 0) return removed;
    const pipeline = this.redis.pipeline();
    const now = Date.now();
    for (const id of roomIds) pipeline.zremrangebyscore(this.key(id), '-inf', now);
    const results = await this.guarded('sweep', async () => (await pipeline.exec()) ?? []);
    if (results === UNAVAILABLE) return removed;
    results.forEach(([err, count], i) => {
      if (!err && Number(count) > 0) removed.set(roomIds[i], Number(count));
    });
    return removed;
  }

  /** Distinct online users of a room, by username; null when Redis is unavailable. */
  async list(roomId: number): Promise<PresenceUser[] | null> {
    const members = await this.guarded('list', (redis) => redis.zrangebyscore(this.key(roomId), String(Date.now()), '+inf'));
    if (members === UNAVAILABLE) return null;
    const users = new Map<number, PresenceUser>();
    for (const m of members) {
      const [id, username] = m.split('|');
      users.set(Number(id), { id: Number(id), username });
    }
    return [...users.values()].sort((a, b) => a.username.localeCompare(b.username));
  }

  private async run(pipeline: ReturnType<Redis['pipeline']>): Promise<boolean> {
    const ok = await this.guarded('touch', async () => {
      const results = (await pipeline.exec()) ?? [];
      const error = results.find(([err]) => err)?.[0];
      if (error) throw error;
      return true;
    });
    return ok === true;
  }

  /** Through the breaker; a failure is counted and logged (at most every 10 s). */
  private async guarded<T>(op: string, command: (redis: Redis) => Promise<T>): Promise<T | typeof UNAVAILABLE> {
    return this.breaker.run(op, async (redis) => {
      try {
        return await command(redis);
      } catch (error) {
        this.failed(error);
        throw error;
      }
    });
  }

  private lastLog = 0;
  private failed(error: unknown): void {
    chatDeliveryErrors.inc({ stage: 'presence' });
    if (Date.now() - this.lastLog > 10_000) {
      this.lastLog = Date.now();
      this.logger.warn(`presence unavailable: ${(error as Error).message}`);
    }
  }
}

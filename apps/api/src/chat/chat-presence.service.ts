import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
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
 * never messaging. Tested in apps/api/test/chat/chat-multi-instance.spec.ts.
 */
@Injectable()
export class ChatPresenceService {
  private readonly logger = new Logger('ChatPresence');
  private readonly ttlMs: number;

  constructor(@Inject(CACHE_REDIS) private readonly redis: Redis, @Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.ttlMs = config.CHAT_PRESENCE_TTL_MS;
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
    try {
      const members = await this.redis.zrange(this.key(roomId), '0', '-1');
      const mine = members.filter((m) => m.startsWith(`${userId}|`));
      if (mine.length) await this.redis.zrem(this.key(roomId), ...mine);
    } catch (error) {
      this.failed(error);
    }
  }

  /** Drops expired entries; returns how many went (a dead instance's sockets), or 0 on failure. */
  async sweep(roomIds: number[]): Promise<Map<number, number>> {
    const removed = new Map<number, number>();
    if (roomIds.length === 0) return removed;
    const pipeline = this.redis.pipeline();
    const now = Date.now();
    for (const id of roomIds) pipeline.zremrangebyscore(this.key(id), '-inf', now);
    try {
      const results = (await pipeline.exec()) ?? [];
      results.forEach(([err, count], i) => {
        if (!err && Number(count) > 0) removed.set(roomIds[i], Number(count));
      });
    } catch (error) {
      this.failed(error);
    }
    return removed;
  }

  /** Distinct online users of a room, by username; null when Redis is unavailable. */
  async list(roomId: number): Promise<PresenceUser[] | null> {
    try {
      const members = await this.redis.zrangebyscore(this.key(roomId), String(Date.now()), '+inf');
      const users = new Map<number, PresenceUser>();
      for (const m of members) {
        const [id, username] = m.split('|');
        users.set(Number(id), { id: Number(id), username });
      }
      return [...users.values()].sort((a, b) => a.username.localeCompare(b.username));
    } catch (error) {
      this.failed(error);
      return null;
    }
  }

  private async run(pipeline: ReturnType<Redis['pipeline']>): Promise<boolean> {
    try {
      const results = (await pipeline.exec()) ?? [];
      const error = results.find(([err]) => err)?.[0];
      if (error) throw error;
      return true;
    } catch (error) {
      this.failed(error);
      return false;
    }
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

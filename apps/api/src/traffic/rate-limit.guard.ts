import { type CanActivate, type ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-errors.js';
import { CACHE_REDIS } from '../redis/redis.module.js';
import type { AuthUser } from '@conduit/contracts';
import { RATE_LIMIT_POLICY, type RateLimitPolicy } from './rate-limit.decorator.js';
import { RateLimiter, type LimitRule } from './rate-limiter.js';
import { isWarmupRequest } from '../warmup/warmup-marker.js';

/**
 * Global guard, registered after the AuthGuard so `request.user` is known: the general limit keys
 * on the user when authenticated, else on the client address (`request.ip`: Fastify honours
 * X-Forwarded-For only from TRUSTED_PROXIES, so a direct caller cannot pick its own bucket).
 * Login adds a per-address and a per-account limit; registration a per-address limit; a route's
 * own RouteLimit (rate-limit.decorator.ts) a limit keyed like the general one.
 * Health checks, metrics and the warm-up's in-process requests (warmup/warmup-marker.ts) are never
 * limited (a load balancer polls them from one address; the warm-up must not use up a client's bucket).
 * Tested in apps/api/test/traffic/rate-limit.e2e.spec.ts.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limiter: RateLimiter;
  private readonly general: LimitRule;
  private readonly login: LimitRule;
  private readonly loginAccount: LimitRule;
  private readonly register: LimitRule;

  constructor(
    private readonly reflector: Reflector,
    @Inject(CACHE_REDIS) redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.limiter = new RateLimiter(redis, config.REDIS_KEY_PREFIX);
    this.general = { name: 'general', max: config.RATE_LIMIT_MAX, windowMs: config.RATE_LIMIT_WINDOW_MS, whenRedisDown: 'allow', batched: true };
    this.login = { name: 'login', max: config.RATE_LIMIT_LOGIN_MAX, windowMs: config.RATE_LIMIT_LOGIN_WINDOW_MS, whenRedisDown: 'memory' };
    this.loginAccount = { name: 'login-account', max: config.RATE_LIMIT_LOGIN_ACCOUNT_MAX, windowMs: config.RATE_LIMIT_LOGIN_ACCOUNT_WINDOW_MS, whenRedisDown: 'memory' };
    this.register = { name: 'register', max: config.RATE_LIMIT_REGISTER_MAX, windowMs: config.RATE_LIMIT_REGISTER_WINDOW_MS, whenRedisDown: 'memory' };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.config.RATE_LIMIT_ENABLED || context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    const route = request.routeOptions?.url ?? request.url;
    if (route.startsWith('/health') || route.startsWith('/metrics') || isWarmupRequest(request.headers)) return true;

    const client = request.user ? `u:${request.user.id}` : `ip:${request.ip}`;
    const checks: Promise<{ allowed: boolean; retryAfterSeconds: number }>[] = [this.limiter.hit(this.general, client)];
    const policy = this.reflector.get<RateLimitPolicy | undefined>(RATE_LIMIT_POLICY, context.getHandler());
    if (policy === 'login') {
      checks.push(this.limiter.hit(this.login, `ip:${request.ip}`));
      const email = (request.body as { user?: { email?: unknown } } | undefined)?.user?.email;
      if (typeof email === 'string' && email.length <= 320) checks.push(this.limiter.hit(this.loginAccount, accountKey(email)));
    } else if (policy === 'register') {
      checks.push(this.limiter.hit(this.register, `ip:${request.ip}`));
    } else if (policy) {
      checks.push(this.limiter.hit({ ...policy, whenRedisDown: 'allow' }, client));
    }
    const decisions = await Promise.all(checks);
    const denied = decisions.filter((d) => !d.allowed);
    if (denied.length === 0) return true;
    throw tooManyRequests(Math.max(...denied.map((d) => d.retryAfterSeconds)));
  }

  /**
   * The general limit of an anonymous request from `clientAddress`, for the memory-hit front
   * (cache/memory-hit-front.ts): true when the hit is counted and allowed without waiting for
   * Redis; false when nothing was counted and the request must take the usual path (the first
   * hit of a window, a sync due, Redis unreachable, or a client at its limit: 429 from there).
   */
  allowsAnonymousLocally(clientAddress: string): boolean {
    return !this.config.RATE_LIMIT_ENABLED || this.limiter.tryHitLocally(this.general, `ip:${clientAddress}`);
  }

  /**
   * checkGeneral without waiting, when this instance can decide (as allowsAnonymousLocally): true
   * when the hit is counted and allowed (or not limited at all); false when nothing was counted and
   * the caller must await checkGeneral. Saves the cached-read fast path its promise chain per hit.
   */
  allowsGeneralLocally(request: FastifyRequest, user: AuthUser | undefined): boolean {
    if (!this.config.RATE_LIMIT_ENABLED || isWarmupRequest(request.headers)) return true;
    return this.limiter.tryHitLocally(this.general, user ? `u:${user.id}` : `ip:${request.ip}`);
  }

  /**
   * The general limit of a request, keyed as canActivate keys it (the user when signed in, else the
   * client address), for the cached-read fast path (cache/cached-read.fast-path.ts): throws the same 429.
   */
  async checkGeneral(request: FastifyRequest, user: AuthUser | undefined): Promise<void> {
    if (!this.config.RATE_LIMIT_ENABLED || isWarmupRequest(request.headers)) return;
    const decision = await this.limiter.hit(this.general, user ? `u:${user.id}` : `ip:${request.ip}`);
    if (!decision.allowed) throw tooManyRequests(decision.retryAfterSeconds);
  }
}

function tooManyRequests(retryAfter: number): ApiError {
  return new ApiError(HttpStatus.TOO_MANY_REQUESTS, { rate: [`too many requests, retry in ${retryAfter} s`] }, { 'retry-after': String(retryAfter) });
}

/** Emails are hashed so Redis keys carry no personal data. */
function accountKey(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('base64url').slice(0, 22);
}

import { SetMetadata } from '@nestjs/common';

export const RATE_LIMIT_POLICY = 'traffic:rate-limit-policy';

/**
 * A route's own limit (a resource's writes, say), counted per user when signed in, else per client
 * address, on top of the general limit; lets requests through when Redis is down, like the general one.
 * `name` is part of the Redis key and of the metric labels.
 */
export interface RouteLimit {
  name: string;
  max: number;
  windowMs: number;
}

export type RateLimitPolicy = 'login' | 'register' | RouteLimit;

/** Adds a stricter limit to a route on top of the general one (login, registration, or a RouteLimit). */
export const RateLimit = (policy: RateLimitPolicy) => SetMetadata(RATE_LIMIT_POLICY, policy);

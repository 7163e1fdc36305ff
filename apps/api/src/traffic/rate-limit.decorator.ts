import { SetMetadata } from '@nestjs/common';

export const RATE_LIMIT_POLICY = 'traffic:rate-limit-policy';
export type RateLimitPolicy = 'login' | 'register';

/** Adds a stricter limit to a route on top of the general one (login, registration). */
export const RateLimit = (policy: RateLimitPolicy) => SetMetadata(RATE_LIMIT_POLICY, policy);

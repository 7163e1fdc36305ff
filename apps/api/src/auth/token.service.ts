import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import type { AuthUser } from '@conduit/contracts';
import { SignJWT, jwtVerify } from 'jose';
import { AuthUserRepository } from './auth-user.repository.js';

/** Seconds a token's `iat` may be ahead of this clock (skew between instances). */
const IAT_FUTURE_TOLERANCE_S = 60;

/**
 * Stateless authentication: the JWT carries the user id, so verifying a token costs no
 * database query. Algorithm pinned to HS256 (no `alg: none`, no RS/HS confusion), with expiry.
 */
@Injectable()
export class TokenService {
  private readonly key: Uint8Array;

  private readonly logger = new Logger('Auth');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: AuthUserRepository,
  ) {
    this.key = new TextEncoder().encode(config.JWT_SECRET);
  }

  sign(user: AuthUser): Promise<string> {
    // Signing happens right after the user was read or written: it exists now.
    this.remember(user.id, Date.now());
    return new SignJWT({ username: user.username })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(user.id))
      .setIssuedAt()
      .setExpirationTime(`${this.config.JWT_TTL_SECONDS}s`)
      .sign(this.key);
  }

  /**
   * Tokens already verified, until they expire (pattern: memoized verification). A stateless
   * JWT's validity depends only on its signature and expiry, so a verified token stays valid until
   * `exp`; re-verifying it (async WebCrypto HMAC) on every request was a large share of a cached
   * signed-in read. Only verified tokens are stored; bounded in size (oldest dropped first).
   * Benchmark: npm run bench:cache (signed-in rows).
   */
  private readonly verified = new Map<string, AuthUser & { expiresAt: number }>();

  /** Returns the user, or null for any invalid token (bad signature, expired, wrong alg, malformed). */
  /**
   * What verify() would return, when that needs no I/O and no await: a token whose signature was
   * verified before, not expired, of a user checked within AUTH_USER_RECHECK_MS. Otherwise
   * undefined, and the caller awaits verify().
   */
  verifyKnown(token: string): (AuthUser & { expiresAt: number }) | undefined {
    const known = this.verified.get(token);
    if (!known || known.expiresAt <= Date.now()) return undefined;
    const seen = this.seenUsers.get(known.id);
    return seen !== undefined && Date.now() - seen < this.config.AUTH_USER_RECHECK_MS ? known : undefined;
  }

  async verify(token: string): Promise<(AuthUser & { expiresAt: number }) | null> {
    const user = await this.verifySignature(token);
    return user && (await this.userStillExists(user.id)) ? user : null;
  }

  /**
   * Users seen in the database recently (id -> last check, ms). A stateless token outlives its
   * user; this bounds how long: at most AUTH_USER_RECHECK_MS per instance, at the cost of one
   * primary-key lookup per user and period (not per request). If the database cannot answer,
   * the user is assumed to exist (fail open, remembered for the period): signed-in reads served
   * from the cache keep working during a database outage.
   * Test: apps/api/test/security/jwt.e2e.spec.ts ("deleted user").
   */
  private readonly seenUsers = new Map<number, number>();

  /** One lookup per user at a time: concurrent requests of the same user share it. */
  private readonly checking = new Map<number, Promise<boolean>>();

  private userStillExists(id: number): Promise<boolean> | boolean {
    const seen = this.seenUsers.get(id);
    if (seen !== undefined && Date.now() - seen < this.config.AUTH_USER_RECHECK_MS) return true;
    let pending = this.checking.get(id);
    if (!pending) {
      pending = this.lookUpUser(id).finally(() => this.checking.delete(id));
      this.checking.set(id, pending);
    }
    return pending;
  }

  private async lookUpUser(id: number): Promise<boolean> {
    const now = Date.now();
    let exists = true;
    try {
      exists = await this.users.exists(id);
    } catch (error) {
      this.logger.warn(`could not check that user ${id} still exists, accepting the token: ${(error as Error).message}`);
    }
    this.seenUsers.delete(id);
    if (exists) this.remember(id, now);
    return exists;
  }

  private remember(id: number, at: number): void {
    this.seenUsers.delete(id);
    if (this.seenUsers.size >= 100_000) this.seenUsers.delete(this.seenUsers.keys().next().value as number);
    this.seenUsers.set(id, at);
  }

  private async verifySignature(token: string): Promise<(AuthUser & { expiresAt: number }) | null> {
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAt > Date.now()) return known;
      this.verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], requiredClaims: ['sub', 'exp', 'iat'] });
      const id = Number(payload.sub);
      if (!Number.isSafeInteger(id) || id <= 0 || typeof payload.username !== 'string') return null;
      // jose checks exp and nbf, not an iat in the future (a token minted "later" by a forger
      // who also controls the clock claim); refuse it beyond a small skew.
      if ((payload.iat as number) > Date.now() / 1000 + IAT_FUTURE_TOLERANCE_S) return null;
      const user = { id, username: payload.username, expiresAt: (payload.exp as number) * 1000 };
      if (this.verified.size >= 10_000) this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(token, user);
      return user;
    } catch {
      return null;
    }
  }
}

/** Reads `Authorization: Token <jwt>` (the RealWorld scheme); `Bearer` is accepted too. */
export function tokenFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^(?:Token|Bearer) ([A-Za-z0-9_\-.]+)$/.exec(header.trim());
  return match ? match[1] : null;
}

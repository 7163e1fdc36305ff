import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { SignJWT, jwtVerify } from 'jose';

export interface AuthUser {
  id: number;
  username: string;
}

/**
 * Stateless authentication: the JWT carries the user id, so verifying a token costs no
 * database query. Algorithm pinned to HS256 (no `alg: none`, no RS/HS confusion), with expiry.
 */
@Injectable()
export class TokenService {
  private readonly key: Uint8Array;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.key = new TextEncoder().encode(config.JWT_SECRET);
  }

  sign(user: AuthUser): Promise<string> {
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
  async verify(token: string): Promise<(AuthUser & { expiresAt: number }) | null> {
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAt > Date.now()) return known;
      this.verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], requiredClaims: ['sub', 'exp', 'iat'] });
      const id = Number(payload.sub);
      if (!Number.isSafeInteger(id) || id <= 0 || typeof payload.username !== 'string') return null;
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

import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { unauthorized } from '../common/api-errors.js';
import { AUTH_MODE, type AuthMode } from './auth.decorators.js';
import type { AuthUser } from '@conduit/contracts';
import { TokenService, tokenFromHeader } from './token.service.js';

/** Global guard: every route requires a token unless marked @Public() or @OptionalAuth(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const mode = this.reflector.getAllAndOverride<AuthMode>(AUTH_MODE, [context.getHandler(), context.getClass()]) ?? 'required';
    if (mode === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    const header = request.headers.authorization;
    if (!header) {
      if (mode === 'optional') return true;
      throw unauthorized('authorization header is required');
    }
    const token = tokenFromHeader(header);
    const user = token ? await this.tokens.verify(token) : null;
    if (!user) throw unauthorized('invalid or expired token');
    request.user = { id: user.id, username: user.username };
    return true;
  }
}

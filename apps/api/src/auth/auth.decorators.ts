import { type ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import type { AuthUser } from '@conduit/contracts';

export const AUTH_MODE = 'auth:mode';
export type AuthMode = 'required' | 'optional' | 'public';

/** No token needed; a token, if sent, is ignored. (Routes default to 'required'.) */
export const Public = () => SetMetadata(AUTH_MODE, 'public' satisfies AuthMode);
/** Works anonymously; a valid token personalises the answer; an invalid one is 401. */
export const OptionalAuth = () => SetMetadata(AUTH_MODE, 'optional' satisfies AuthMode);

/** The authenticated user (or undefined on optional-auth routes). */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser | undefined => {
  return ctx.switchToHttp().getRequest<{ user?: AuthUser }>().user;
});

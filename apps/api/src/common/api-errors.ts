import { HttpException, HttpStatus } from '@nestjs/common';

/** Errors in the RealWorld shape: `{ "errors": { "<field>": ["<message>"] } }`. */
export class ApiError extends HttpException {
  constructor(
    status: number,
    public readonly errors: Record<string, string[]>,
    public readonly headers: Record<string, string> = {},
  ) {
    super({ errors }, status);
  }
}

export const validationError = (errors: Record<string, string[]>) => new ApiError(HttpStatus.UNPROCESSABLE_ENTITY, errors);
export const unauthorized = (message = 'missing or invalid token') => new ApiError(HttpStatus.UNAUTHORIZED, { token: [message] });
export const forbidden = (what: string) => new ApiError(HttpStatus.FORBIDDEN, { [what]: ['you are not allowed to change this'] });
export const notFound = (what: string) => new ApiError(HttpStatus.NOT_FOUND, { [what]: ['not found'] });
export const serviceUnavailable = (message: string, retryAfterSeconds = 1) => new ApiError(HttpStatus.SERVICE_UNAVAILABLE, { server: [message] }, { 'retry-after': String(retryAfterSeconds) });

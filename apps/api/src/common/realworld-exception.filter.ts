import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { isDatabaseUnavailableError, isInvalidTextError } from '@conduit/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-errors.js';

/**
 * The one place errors become HTTP responses, always in the RealWorld shape.
 * Database unavailability (down, pool exhausted, statement timeout) is a 503 with
 * Retry-After: the client may retry; it is never a 500 with a stack trace.
 */
@Catch()
export class RealWorldExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const { status, body, headers } = toErrorResponse(exception);
    if (status >= 500) {
      request.log?.error({ err: exception }, 'request failed');
    }
    if (reply.sent) return;
    reply.headers(headers).status(status).send(body);
  }
}

export function toErrorResponse(exception: unknown): { status: number; body: { errors: Record<string, string[]> }; headers: Record<string, string> } {
  if (exception instanceof ApiError) {
    return { status: exception.getStatus(), body: { errors: exception.errors }, headers: exception.headers };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message = typeof response === 'string' ? response : ((response as { message?: string | string[] }).message ?? exception.message);
    return { status, body: { errors: { [statusField(status)]: Array.isArray(message) ? message : [String(message)] } }, headers: {} };
  }
  const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { status: fastifyError.statusCode, body: { errors: { [statusField(fastifyError.statusCode)]: [fastifyErrorMessage(fastifyError)] } }, headers: {} };
  }
  if (isDatabaseUnavailableError(exception)) {
    return { status: 503, body: { errors: { server: ['the database is temporarily unavailable, please retry'] } }, headers: { 'retry-after': '1' } };
  }
  if (isInvalidTextError(exception)) {
    return { status: 422, body: { errors: { body: ['text must not contain NUL (\\u0000) characters'] } }, headers: {} };
  }
  return { status: 500, body: { errors: { server: ['internal error'] } }, headers: {} };
}

function statusField(status: number): string {
  switch (status) {
    case 401:
      return 'token';
    case 404:
      return 'route';
    case 413:
      return 'body';
    case 429:
      return 'rate';
    default:
      return status >= 500 ? 'server' : 'body';
  }
}

function fastifyErrorMessage(error: { code?: string; message?: string }): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request body is too large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported content type';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'empty JSON body';
    default:
      return error.code?.startsWith('FST_ERR_CTP') || /JSON/.test(error.message ?? '') ? 'malformed JSON body' : (error.message ?? 'bad request');
  }
}

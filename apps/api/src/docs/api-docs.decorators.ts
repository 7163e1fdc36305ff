import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import type { z } from 'zod';
import { genericErrorSchema } from './response.schemas.js';

/** The security scheme of the RealWorld spec: `Authorization: Token <jwt>`. */
export const TOKEN_SCHEME = 'Token';

const ERROR_DESCRIPTIONS: Record<number, string> = {
  401: 'Missing, invalid or expired token',
  403: 'Not the author',
  404: 'Not found',
  413: 'Body or upload too large',
  415: 'Unsupported media type',
  422: 'Invalid input: every failing field with its messages',
};

export interface OperationDocs {
  /** The RealWorld spec's operationId where the operation is in the spec. */
  operationId: string;
  summary: string;
  /** Who may call it: `required` and `optional` read the token (an invalid one is a 401). */
  auth: 'required' | 'optional' | 'none';
  status: number;
  /** The success body; none for 202/204-style answers documented by description only. */
  body?: z.ZodType;
  description?: string;
  /** Error statuses besides 401 (added for `required`/`optional`) and the global 429/503. */
  errors?: number[];
}

/**
 * One decorator per route for the OpenAPI document (api-docs.ts): metadata only, read once when
 * the document is first built; nothing runs per request. Request bodies and query parameters come
 * from the zod schemas the route validates with (common/validated-params.ts).
 */
export function ApiDocs(docs: OperationDocs): MethodDecorator {
  const errors = [...(docs.auth === 'none' ? [] : [401]), ...(docs.errors ?? [])];
  return applyDecorators(
    ApiOperation({ operationId: docs.operationId, summary: docs.summary }),
    ApiResponse({ status: docs.status, description: docs.description ?? 'OK', ...(docs.body ? { standardSchema: docs.body } : {}) }),
    ...errors.map((status) => ApiResponse({ status, description: ERROR_DESCRIPTIONS[status] ?? 'Error', standardSchema: genericErrorSchema })),
    ...(docs.auth === 'required' ? [ApiSecurity(TOKEN_SCHEME)] : []),
    // Optional: anonymous, or with a token (then `following`/`favorited` are the viewer's).
    ...(docs.auth === 'optional' ? [ApiSecurity({}), ApiSecurity(TOKEN_SCHEME)] : []),
  );
}

import { Body, Query } from '@nestjs/common';
import type { z } from 'zod';
import { ZodValidationPipe } from './zod-validation.pipe.js';

/**
 * `@Body()` / `@Query()` validated by a zod schema (422 in the RealWorld error shape). The schema is
 * also handed to Nest as the parameter's standard schema, which is where the OpenAPI document takes
 * the request body and the query parameters from (docs/api-docs.ts): one schema validates and documents.
 */
export const ValidBody = (schema: z.ZodType): ParameterDecorator => Body({ schema, pipes: [new ZodValidationPipe(schema)] });
export const ValidQuery = (schema: z.ZodType): ParameterDecorator => Query({ schema, pipes: [new ZodValidationPipe(schema)] });

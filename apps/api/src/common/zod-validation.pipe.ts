import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { validationError } from './api-errors.js';

/**
 * Validates a body or query against a zod schema. Schemas are `.strict()`: unknown
 * fields (including privileged ones such as `id` or `authorId`) are rejected with 422.
 * Errors are keyed by the innermost field name: `{ "errors": { "email": ["..."] } }`.
 */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.infer<S> {
    const result = this.schema.safeParse(value ?? {});
    if (result.success) return result.data;
    const errors: Record<string, string[]> = {};
    for (const issue of result.error.issues) {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [String(issue.path.at(-1) ?? 'body')];
      const message = issue.code === 'unrecognized_keys' ? 'is not an allowed field' : issue.message;
      for (const key of keys) (errors[key] ??= []).push(message);
    }
    throw validationError(errors);
  }
}

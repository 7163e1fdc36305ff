import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'yaml';

/** The RealWorld OpenAPI description, copied into the repo (MIT, see ../../contract/README.md). */
export const SPEC_URL = new URL('../../contract/openapi.yml', import.meta.url);

export interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  operationId: string;
  parameters: { name: string; in: 'path' | 'query'; schema: any }[];
  bodySchema?: any;
  responses: Record<string, { $ref: string }>;
  secured: boolean;
}

/**
 * Loads the spec and applies the project's two documented deviations from it (the RealWorld spec
 * is looser in prose than in its schemas; the Postman collection, which both the reference
 * implementations and this API pass, expects these):
 *  1. Errors: `{"errors": {"<field>": ["message", ...]}}` keyed by the failing field (the spec's
 *     GenericErrorModel names only `body`, as an example). Validated as: an `errors` object with
 *     at least one field, each a non-empty list of strings.
 *  2. `bio` and `image` of a user/profile are `null` until set (spec: plain string).
 * Everything else is validated as written, including required fields and date-time formats.
 */
export function loadContract() {
  const spec = parse(readFileSync(SPEC_URL, 'utf8'));
  const s = spec.components.schemas;
  s.GenericErrorModel = {
    type: 'object',
    required: ['errors'],
    properties: { errors: { type: 'object', minProperties: 1, additionalProperties: { type: 'array', minItems: 1, items: { type: 'string' } } } },
  };
  for (const model of [s.User, s.Profile]) for (const field of ['bio', 'image']) model.properties[field] = { type: ['string', 'null'] };

  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('date-time', { type: 'string', validate: (v: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v) && !Number.isNaN(Date.parse(v)) });
  ajv.addFormat('password', true);
  ajv.addSchema(spec, 'openapi');

  const operations: Operation[] = [];
  for (const [path, item] of Object.entries<any>(spec.paths)) {
    for (const method of ['get', 'post', 'put', 'delete'] as const) {
      const op = item[method];
      if (!op) continue;
      const parameters = (op.parameters ?? []).map((p: any) => (p.$ref ? spec.components.parameters[p.$ref.split('/').pop()] : p));
      const bodyRef = op.requestBody?.$ref?.split('/').pop();
      operations.push({
        method,
        path,
        operationId: op.operationId,
        parameters,
        bodySchema: bodyRef ? resolve(spec, spec.components.requestBodies[bodyRef].content['application/json'].schema) : undefined,
        responses: op.responses,
        secured: 'security' in op,
      });
    }
  }

  const validators = new Map<string, ValidateFunction | null>();
  /** Validates a response against the spec for its status; returns error text or null. */
  function check(op: Operation, status: number, body: unknown): string | null {
    if (status >= 500) return `server error ${status}`;
    const documented = op.responses[String(status)];
    let pointer: string | null;
    if (documented) {
      const name = documented.$ref.split('/').pop() as string;
      const json = spec.components.responses[name].content?.['application/json'];
      pointer = json ? `openapi#/components/responses/${name}/content/application~1json/schema` : null;
    } else if (status >= 400) {
      // Statuses the spec leaves out (403, 404, 413, 415...) answer in the error shape.
      pointer = 'openapi#/components/schemas/GenericErrorModel';
    } else {
      return `undocumented success status ${status}`;
    }
    if (!pointer) return null; // documented with no body schema (204, the spec's 401)
    let validate = validators.get(pointer);
    if (validate === undefined) validators.set(pointer, (validate = ajv.compile({ $ref: pointer })));
    if (validate!(body)) return null;
    return ajv.errorsText(validate!.errors, { separator: '; ' });
  }

  return { spec, operations, check };
}

/** Inlines `$ref`s (the spec has no cycles) so body generators see plain schemas. */
function resolve(spec: any, schema: any): any {
  if (schema?.$ref)
    return resolve(
      spec,
      schema.$ref
        .replace(/^#\//, '')
        .split('/')
        .reduce((o: any, k: string) => o[k], spec),
    );
  if (Array.isArray(schema)) return schema.map((s) => resolve(spec, s));
  if (schema && typeof schema === 'object') return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, resolve(spec, v)]));
  return schema;
}

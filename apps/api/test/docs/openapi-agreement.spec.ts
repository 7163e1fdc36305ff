import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The OpenAPI document the API generates (/api/docs-json) agrees with the RealWorld spec it follows
 * (../contract/openapi.yml, copied into the repo with its license): every path and method, operation
 * ids, parameters, request bodies, response bodies, statuses, security and the error shape.
 *
 * Documented deviations (the same two the contract fuzzing allows, security/support/openapi-contract.ts,
 * plus one about statuses), and nothing else:
 *  D1. Errors are keyed by the failing field, `{"errors": {"<field>": ["message"]}}`; the spec's
 *      GenericErrorModel shows only `body`. Every spec-shaped error is also valid against ours.
 *  D2. `bio` and `image` of a user or profile are null until set (spec: plain string).
 *  D3. The spec lists 422 ("Unexpected error") on every operation; this API answers 422 only where it
 *      validates input (a body or query parameters), and 403/404 in the same error shape elsewhere.
 *  D4. Updating an article also accepts `tagList` (optional), which the spec's UpdateArticle lacks.
 */
const SPEC = parse(readFileSync(new URL('../contract/openapi.yml', import.meta.url), 'utf8'));
const NULLABLE_FIELDS = new Set(['bio', 'image']);
/** Optional request fields beyond the spec (D4), by where compareSchemas finds them. */
const EXTRA_REQUEST_FIELDS: Record<string, string[]> = { 'PUT /articles/{slug} request.article': ['tagList'] };
/** Routes beyond the RealWorld spec: the API's own extensions and operations endpoints. */
const EXTENSIONS = [
  'GET /api/chat/rooms',
  'POST /api/chat/rooms',
  'GET /api/chat/rooms/{id}/messages',
  'POST /api/user/image',
  'GET /api/images/{file}',
  'GET /api/ops/overview',
  'GET /health/live',
  'GET /health/ready',
  'GET /metrics',
];
const METHODS = ['get', 'post', 'put', 'delete'] as const;

type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any>; securitySchemes?: Record<string, any> } };
const deref = (doc: Doc, node: any): any => (node?.$ref ? deref(doc, doc.components.schemas[node.$ref.split('/').pop()]) : node);

/** Structural comparison of two schemas: returns the differences as "where: what" lines. */
function compareSchemas(ours: Doc, mine: any, spec: any, where: string, out: string[] = []): string[] {
  const a = deref(ours, mine);
  const b = deref(SPEC, spec);
  const field = where.split('.').pop() as string;
  if (a?.type !== b?.type) out.push(`${where}: type ${a?.type} vs spec ${b?.type}`);
  if (b.format === 'date-time' && a.format !== 'date-time') out.push(`${where}: format ${a.format} vs spec date-time`);
  if (a.nullable && !NULLABLE_FIELDS.has(field)) out.push(`${where}: nullable, the spec's is not`);
  if (b.type === 'array') compareSchemas(ours, a.items, b.items, `${where}[]`, out);
  if (b.type === 'object') {
    const extra = EXTRA_REQUEST_FIELDS[where] ?? [];
    const keys = (s: any) =>
      Object.keys(s.properties ?? {})
        .filter((k) => !(s === a && extra.includes(k) && !s.required?.includes(k)))
        .sort();
    if (keys(a).join() !== keys(b).join()) out.push(`${where}: properties ${keys(a)} vs spec ${keys(b)}`);
    const required = (s: any) => [...(s.required ?? [])].sort().join();
    if (required(a) !== required(b)) out.push(`${where}: required ${required(a)} vs spec ${required(b)}`);
    for (const key of keys(b)) if (a.properties?.[key]) compareSchemas(ours, a.properties[key], b.properties[key], `${where}.${key}`, out);
  }
  return out;
}

interface SpecOperation {
  key: string;
  path: string;
  method: (typeof METHODS)[number];
  op: any;
}
const specOperations: SpecOperation[] = Object.entries<any>(SPEC.paths).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((method) => ({ key: `${method.toUpperCase()} ${path}`, path, method, op: item[method] })),
);
const specResponse = (ref: string) => SPEC.components.responses[ref.split('/').pop() as string];
const specParameters = (op: any) => (op.parameters ?? []).map((p: any) => (p.$ref ? SPEC.components.parameters[p.$ref.split('/').pop()] : p));

let app: TestApp;
let ours: Doc;
beforeAll(async () => {
  app = await startTestApp();
  ours = (await (await fetch(`${app.url}/api/docs-json`)).json()) as Doc;
});
afterAll(() => app?.close());
const mineOf = (s: SpecOperation) => ours.paths[`/api${s.path}`]?.[s.method];

describe('OpenAPI document vs the RealWorld spec', () => {
  it('documents every path and method of the spec, with its operationId, and only the listed extensions besides', () => {
    for (const s of specOperations) expect(mineOf(s)?.operationId, s.key).toBe(s.op.operationId);
    const all = Object.entries(ours.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`));
    const extra = all.filter((k) => !specOperations.some((s) => `${s.method.toUpperCase()} /api${s.path}` === k));
    expect(extra.sort()).toEqual([...EXTENSIONS].sort());
    expect(specOperations).toHaveLength(19);
  });

  it.each(specOperations.map((s) => [s.key, s] as const))('%s: statuses and security', (_key, s) => {
    const mine = mineOf(s);
    const statuses = (r: Record<string, unknown>) => Object.keys(r).filter((c) => Number(c) < 300);
    expect(statuses(mine.responses), 'success status').toEqual(statuses(s.op.responses));
    const takesInput = !!s.op.requestBody || specParameters(s.op).some((p: any) => p.in === 'query');
    for (const status of Object.keys(s.op.responses).filter((c) => Number(c) >= 400)) {
      if (status === '422' && !takesInput) continue; // D3
      expect(mine.responses, `${s.key} documents ${status}`).toHaveProperty(status);
    }
    if (s.op.security) expect(mine.security).toEqual([{ Token: [] }]);
    else expect(mine.security === undefined || mine.security.some((r: object) => Object.keys(r).length === 0), 'public or optional').toBe(true);
  });

  it.each(specOperations.map((s) => [s.key, s] as const))('%s: parameters, request and response bodies', (_key, s) => {
    const mine = mineOf(s);
    const params = (list: any[]) => list.map((p) => `${p.in}:${p.name}:${p.required ?? false}:${p.schema?.type}`).sort();
    expect(params(mine.parameters ?? []), 'parameters').toEqual(params(specParameters(s.op)));
    const problems: string[] = [];
    if (s.op.requestBody) {
      const specBody = SPEC.components.requestBodies[s.op.requestBody.$ref.split('/').pop()];
      expect(mine.requestBody?.required).toBe(true);
      compareSchemas(ours, mine.requestBody?.content?.['application/json']?.schema, specBody.content['application/json'].schema, `${s.key} request`, problems);
    } else expect(mine.requestBody).toBeUndefined();
    for (const [status, ref] of Object.entries<any>(s.op.responses)) {
      const specSchema = specResponse(ref.$ref).content?.['application/json']?.schema;
      if (Number(status) < 300 && specSchema) compareSchemas(ours, mine.responses[status].content?.['application/json']?.schema, specSchema, `${status}`, problems);
    }
    expect(problems).toEqual([]);
  });

  it('answers every error in one shape that also accepts the spec own error example (D1)', () => {
    const errorSchema = deref(ours, { $ref: '#/components/schemas/GenericErrorModel' });
    for (const [key, item] of Object.entries(ours.paths))
      for (const m of METHODS)
        for (const [status, response] of Object.entries<any>(item[m]?.responses ?? {}))
          if (Number(status) >= 400) expect(response.content?.['application/json']?.schema, `${m} ${key} ${status}`).toEqual({ $ref: '#/components/schemas/GenericErrorModel' });
    const validate = new Ajv({ strict: false }).compile(errorSchema);
    expect(validate({ errors: { body: ["can't be empty"] } })).toBe(true);
    expect(validate({ errors: { email: ['has already been taken'], username: ['is too long'] } })).toBe(true);
    expect(validate({ errors: { body: 'not a list' } })).toBe(false);
    expect(validate({ message: 'Bad Request' })).toBe(false);
  });

  it('declares the spec token scheme (Authorization: Token <jwt>)', () => {
    expect(ours.components.securitySchemes?.Token).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization' });
  });

  it('the comparison finds a difference when there is one', () => {
    const spec = SPEC.components.schemas.Article;
    const broken = structuredClone(deref(ours, { $ref: '#/components/schemas/Article' }));
    delete broken.properties.favoritesCount;
    broken.properties.createdAt = { type: 'string' };
    broken.properties.title = { type: 'string', nullable: true };
    expect(compareSchemas(ours, broken, spec, 'Article')).toEqual([
      'Article: properties author,body,createdAt,description,favorited,slug,tagList,title,updatedAt vs spec author,body,createdAt,description,favorited,favoritesCount,slug,tagList,title,updatedAt',
      'Article.createdAt: format undefined vs spec date-time',
      "Article.title: nullable, the spec's is not",
    ]);
  });
});

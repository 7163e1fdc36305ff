import type { ResourceNames } from '../names.js';

// eslint-disable-next-line max-lines-per-function -- the template of one file, kept readable as the file it writes
export function schemasTemplate(n: ResourceNames): string {
  return `import { z } from 'zod';
import type { ${n.pascal}Record } from './${n.kebab}.repository.js';

const title = z.string('must be a string').trim().min(1, "can't be blank").max(200, 'is too long (maximum is 200 characters)');
const body = z.string('must be a string').max(10_000, 'is too long (maximum is 10000 characters)');

export const create${n.pascal}Schema = z.strictObject({ ${n.camel}: z.strictObject({ title, body: body.optional().default('') }) });
export const update${n.pascal}Schema = z.strictObject({
  ${n.camel}: z.strictObject({ title: title.optional(), body: body.optional() }).refine((v) => v.title !== undefined || v.body !== undefined, 'at least one field is required'),
});

/** Query integers arrive as strings: digits only. */
const queryInt = (min: number, max: number, fallback: number) =>
  z
    .string('must be a single integer')
    .regex(/^\\d{1,12}$/, \`must be an integer between \${min} and \${max}\`)
    .transform(Number)
    .pipe(z.number().min(min, \`must be an integer between \${min} and \${max}\`).max(max, \`must be an integer between \${min} and \${max}\`))
    .optional()
    .default(fallback);

export const MAX_PAGE_SIZE = 100;
/** Deepest offset served (as for articles): the list's index is walked offset entries before the page. */
export const MAX_OFFSET = 10_000;

export const list${n.pascalPlural}QuerySchema = z.strictObject({
  author: z.string('must be a single value').trim().min(1).max(200, 'is too long').optional(),
  limit: queryInt(1, MAX_PAGE_SIZE, 20),
  offset: queryInt(0, MAX_OFFSET, 0),
});

export type Create${n.pascal}Body = z.infer<typeof create${n.pascal}Schema>;
export type Update${n.pascal}Body = z.infer<typeof update${n.pascal}Schema>;
export type List${n.pascalPlural}Query = z.infer<typeof list${n.pascalPlural}QuerySchema>;

/** Path ids are positive integers that fit PostgreSQL's int4. */
export function parse${n.pascal}Id(raw: string): number | null {
  if (!/^\\d{1,10}$/.test(raw)) return null;
  const id = Number(raw);
  return id >= 1 && id <= 2_147_483_647 ? id : null;
}

/** What the API returns for one ${n.kebab}: the same for every viewer, so cacheable as is. */
export interface ${n.pascal} {
  id: number;
  title: string;
  body: string;
  createdAt: string;
  updatedAt: string;
  author: { username: string };
}

export interface Single${n.pascal}Response {
  ${n.camel}: ${n.pascal};
}

export interface Multiple${n.pascalPlural}Response {
  ${n.camelPlural}: ${n.pascal}[];
}

export function to${n.pascal}(r: ${n.pascal}Record): ${n.pascal} {
  return { id: r.id, title: r.title, body: r.body, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString(), author: { username: r.authorUsername } };
}
`;
}

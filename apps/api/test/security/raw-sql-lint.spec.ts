import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findRawSqlViolations, scanRepository } from './support/raw-sql-rule.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const lint = (code: string, runtime = true) => findRawSqlViolations(code, 'snippet.ts', { runtime }).map((v) => `${v.line}:${v.rule}`);

/** The raw-SQL lint rule (support/raw-sql-rule.ts), also runnable as `npm run lint:sql`. */
describe('raw SQL lint rule', () => {
  it('apps/ and libs/ have no violations', () => {
    const { files, violations } = scanRepository(root);
    expect(files).toBeGreaterThan(100); // it really walked the tree
    expect(violations).toEqual([]);
  });

  it("catches Prisma's unsafe raw APIs anywhere (tests included), in any call form", () => {
    expect(lint('await prisma.$queryRawUnsafe(`SELECT * FROM users WHERE email = ${email}`);', false)).toEqual(['1:unsafe-raw']);
    expect(lint("await tx.$executeRawUnsafe('DELETE FROM users');", false)).toEqual(['1:unsafe-raw']);
    expect(lint("const f = prisma['$queryRawUnsafe'];", false)).toEqual(['1:unsafe-raw']);
    expect(lint('const q = Prisma.raw(input);', false)).toEqual(['1:unsafe-raw']);
    // Safe forms pass: tagged templates are parameterized by Prisma, and a mention in a comment is not a call.
    expect(lint('// never use $queryRawUnsafe\nawait prisma.$queryRaw`SELECT * FROM users WHERE email = ${email}`;')).toEqual([]);
  });

  it('catches SQL text built by interpolation or concatenation in runtime code', () => {
    expect(lint("await pool.query(`SELECT * FROM articles WHERE slug = '${slug}'`);")).toEqual(['1:interpolated-sql']);
    expect(lint("await pool.query('SELECT * FROM articles WHERE slug = ' + slug);")).toEqual(['1:interpolated-sql']);
    expect(lint("await client.query({ text: 'SELECT ' + column + ' FROM users', values: [] });")).toEqual(['1:interpolated-sql']);
    expect(lint("await sqlRows(this.pool, `SELECT * FROM tags WHERE name LIKE '${prefix}%'`, []);")).toEqual(['1:interpolated-sql']);
    expect(lint('const rows = await this.pool.query(`SELECT ${req.query.fields} FROM users`);')).toEqual(['1:interpolated-sql']);
  });

  it('allows parameters, placeholders, constants and explicitly waived identifiers', () => {
    expect(lint("await pool.query('SELECT * FROM articles WHERE slug = $1', [slug]);")).toEqual([]);
    expect(lint('await pool.query(`SELECT * FROM articles WHERE slug = ${p.add(slug)} LIMIT ${MAX_PAGE_SIZE}`, p.values);')).toEqual([]);
    expect(lint("await pool.query('SELECT 1 ' + 'FROM users');")).toEqual([]);
    expect(lint('await pool.query(`TRUNCATE ${SEEDED_TABLES.join(", ")}`);')).toEqual([]);
    expect(lint('// sql-safe: quoted identifier\nawait pool.query(`CREATE DATABASE "${name}"`);')).toEqual([]);
    // Outside runtime code (tests, benchmarks), DDL with generated names is allowed.
    expect(lint('await admin.query(`DROP DATABASE ${name}`);', false)).toEqual([]);
  });
});

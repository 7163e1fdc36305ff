import { createTestDatabase, type TestDatabase } from '@conduit/testing';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factsFromDatabase } from './support/database-facts.js';
import { diffFacts, factsFromPrismaSchema } from './support/schema-facts.js';

/**
 * Proves prisma/schema.prisma and the database built by prisma/migrations agree: every table,
 * column (name, type, nullability), primary key, unique index, index (columns and sort order),
 * foreign key and enum declared in the schema exists in the migrated database, and nothing
 * else does (except _prisma_migrations). This is what `prisma migrate diff` would report, run
 * without Prisma's native schema engine (not downloadable here). The schema side comes from
 * Prisma's own parser (DMMF via @prisma/prisma-schema-wasm).
 */
const schemaPath = fileURLToPath(new URL('../../../../prisma/schema.prisma', import.meta.url));
const schemaText = readFileSync(schemaPath, 'utf8');

describe('schema drift: schema.prisma vs the migrated database', () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase(); // a clone of the template migrated by libs/db apply-migrations
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('finds no difference in either direction', async () => {
    const drift = diffFacts(factsFromPrismaSchema(schemaText), await factsFromDatabase(client));
    expect(drift).toEqual({ missingInDatabase: [], notInSchema: [] });
  });

  it('covers the Conduit tables, their indexes and sort orders (the comparison is not vacuous)', async () => {
    const facts = factsFromPrismaSchema(schemaText);
    for (const fact of [
      'table users',
      'column articles.tag_list text[] NULL',
      'column articles.created_at timestamp(3) with time zone NOT NULL',
      'unique index users.users_email_key btree (email)',
      'primary key favorites.favorites_pkey (user_id, article_id)',
      'index articles.articles_created_at_id_author_idx btree (created_at DESC, id DESC, author_id)',
      'foreign key articles.articles_author_id_fkey (author_id) -> users (id) on delete cascade',
    ])
      expect(facts).toContain(fact);
    expect(await factsFromDatabase(client)).not.toContain('table _prisma_migrations');
  });

  it("reports a database changed behind the schema's back (extra column, index, table; lost index; flipped sort order)", async () => {
    const changed = await createTestDatabase();
    const c = new pg.Client({ connectionString: changed.url });
    await c.connect();
    try {
      await c.query(`
        ALTER TABLE users ADD COLUMN nickname text;
        ALTER TABLE users ALTER COLUMN bio SET NOT NULL;
        DROP INDEX comments_author_idx;
        DROP INDEX articles_created_at_id_author_idx;
        CREATE INDEX articles_created_at_id_idx ON articles (created_at ASC, id DESC);
        CREATE INDEX favorites_created_at_idx ON favorites (created_at) WHERE created_at > '2020-01-01';
        CREATE TABLE scratch (id int PRIMARY KEY);`);
      const drift = diffFacts(factsFromPrismaSchema(schemaText), await factsFromDatabase(c));
      expect(drift.missingInDatabase).toEqual([
        'column users.bio text NULL',
        'index articles.articles_created_at_id_author_idx btree (created_at DESC, id DESC, author_id)',
        'index comments.comments_author_idx btree (author_id)',
      ]);
      expect(drift.notInSchema).toEqual([
        'column scratch.id integer NOT NULL',
        'column users.bio text NOT NULL',
        'column users.nickname text NULL',
        'index articles.articles_created_at_id_idx btree (created_at, id DESC)',
        'index favorites.favorites_created_at_idx btree (created_at) WHERE <predicate>',
        'primary key scratch.scratch_pkey (id)',
        'table scratch',
      ]);
    } finally {
      await c.end();
      await changed.drop();
    }
  });

  it('reports a schema.prisma changed without a migration (new model, field, index; type, nullability, relation)', async () => {
    const edited = schemaText
      .replace('  bio          String?\n', '  bio          String\n  nickname     String?\n')
      .replace('  title          String\n', '  title          String @db.VarChar(200)\n')
      .replace('@@index([authorId], map: "comments_author_idx")', '@@index([authorId, createdAt(sort: Desc)], map: "comments_author_idx")')
      .replace(/(author +User +@relation\(fields: \[authorId\], references: \[id\]), onDelete: Cascade\)/, '$1)')
      .concat('\nmodel Draft {\n  id Int @id\n  @@map("drafts")\n}\n');
    expect(edited).not.toBe(schemaText);
    const drift = diffFacts(factsFromPrismaSchema(edited), await factsFromDatabase(client));
    expect(drift.missingInDatabase).toEqual([
      'column articles.title character varying(200) NOT NULL',
      'column drafts.id integer NOT NULL',
      'column users.bio text NOT NULL',
      'column users.nickname text NULL',
      'foreign key articles.articles_author_id_fkey (author_id) -> users (id) on delete restrict',
      'index comments.comments_author_idx btree (author_id, created_at DESC)',
      'primary key drafts.drafts_pkey (id)',
      'table drafts',
    ]);
    expect(drift.notInSchema).toEqual([
      'column articles.title text NOT NULL',
      'column users.bio text NULL',
      'foreign key articles.articles_author_id_fkey (author_id) -> users (id) on delete cascade',
      'index comments.comments_author_idx btree (author_id)',
    ]);
  });
});

import type pg from 'pg';
import type { SchemaFacts } from './schema-facts.js';

const ON_DELETE: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

/** The migrated database as SchemaFacts (see schema-facts.ts), read from pg_catalog. */
export async function factsFromDatabase(client: pg.Client | pg.Pool, schema = 'public'): Promise<SchemaFacts> {
  const facts: SchemaFacts = new Set();
  // Prisma's own bookkeeping table is the only thing allowed that schema.prisma does not declare.
  const ignored = ['_prisma_migrations'];

  const enums = await client.query<{ name: string; labels: string[] }>(
    `SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 GROUP BY t.typname`,
    [schema],
  );
  for (const e of enums.rows) facts.add(`enum ${e.name} (${e.labels.join(', ')})`);

  const tables = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT (c.relname = ANY($2))`,
    [schema, ignored],
  );
  for (const t of tables.rows) facts.add(`table ${t.name}`);

  const columns = await client.query<{ table: string; name: string; type: string; notnull: boolean }>(
    `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND NOT (c.relname = ANY($2))`,
    [schema, ignored],
  );
  for (const c of columns.rows) facts.add(`column ${c.table}.${c.name} ${c.type.replace(/"/g, '')} ${c.notnull ? 'NOT NULL' : 'NULL'}`);

  const indexes = await client.query<{ table: string; name: string; primary: boolean; unique: boolean; method: string; columns: Array<string | null>; options: string; partial: boolean }>(
    `SELECT t.relname AS table, i.relname AS name, ix.indisprimary AS primary, ix.indisunique AS unique, am.amname AS method,
            ARRAY(SELECT a.attname FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                  LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
            ix.indoption::text AS options, ix.indpred IS NOT NULL AS partial
       FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am am ON am.oid = i.relam
      WHERE n.nspname = $1 AND NOT (t.relname = ANY($2))`,
    [schema, ignored],
  );
  for (const ix of indexes.rows) {
    const options = ix.options.split(' ').map(Number);
    // indoption bit 0 = DESC; an expression column has no attname (Prisma cannot declare one).
    const list = ix.columns.map((c, i) => `${c ?? '<expression>'}${options[i] & 1 ? ' DESC' : ''}`).join(', ');
    const where = ix.partial ? ' WHERE <predicate>' : '';
    if (ix.primary) facts.add(`primary key ${ix.table}.${ix.name} (${list})${where}`);
    else facts.add(`${ix.unique ? 'unique index' : 'index'} ${ix.table}.${ix.name} ${ix.method} (${list})${where}`);
  }

  const fks = await client.query<{ table: string; name: string; columns: string[]; target: string; refs: string[]; ondelete: string }>(
    `SELECT t.relname AS table, con.conname AS name, r.relname AS target, con.confdeltype AS ondelete,
            ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
            ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS refs
       FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid JOIN pg_class r ON r.oid = con.confrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE con.contype = 'f' AND n.nspname = $1`,
    [schema],
  );
  for (const fk of fks.rows) {
    facts.add(`foreign key ${fk.table}.${fk.name} (${fk.columns.join(', ')}) -> ${fk.target} (${fk.refs.join(', ')}) on delete ${ON_DELETE[fk.ondelete]}`);
  }
  return facts;
}

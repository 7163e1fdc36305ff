import type pg from 'pg';

/** What dropForLoad took off, to be put back by restoreAfterLoad (in the same transaction). */
export interface DeferredDefinitions {
  indexes: string[];
  foreignKeys: Array<{ table: string; name: string; definition: string }>;
}

/**
 * Bulk-load pattern: secondary indexes and foreign keys are dropped before COPY and rebuilt
 * after it, inside the seed's transaction (DDL is transactional: a failed seed leaves them as
 * they were). Building an index once from sorted data, and validating a foreign key with one
 * join, is several times faster than maintaining them row by row for millions of rows.
 * Primary keys stay (other tables' foreign keys depend on them). Definitions are read from the
 * catalog, so a new migration's index is covered without touching this file.
 */
export async function dropForLoad(client: pg.Client, tables: readonly string[]): Promise<DeferredDefinitions> {
  const foreignKeys = (
    await client.query<{ table: string; name: string; definition: string }>(
      `SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS definition
     FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY($1) ORDER BY conname`,
      [tables],
    )
  ).rows;
  const indexes = (
    await client.query<{ name: string; definition: string }>(
      `SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS definition
     FROM pg_index i WHERE indrelid::regclass::text = ANY($1)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1`,
      [tables],
    )
  ).rows;
  // sql-safe: identifiers come from the catalog, quoted.
  for (const fk of foreignKeys) await client.query(`ALTER TABLE ${fk.table} DROP CONSTRAINT ${client.escapeIdentifier(fk.name)}`);
  // sql-safe: index names come from the catalog (regclass text, already quoted when needed).
  for (const index of indexes) await client.query(`DROP INDEX ${index.name}`);
  return { indexes: indexes.map((i) => i.definition), foreignKeys };
}

export async function restoreAfterLoad(client: pg.Client, deferred: DeferredDefinitions): Promise<void> {
  for (const definition of deferred.indexes) await client.query(definition);
  // sql-safe: definitions come from pg_get_constraintdef, names from the catalog (quoted).
  for (const fk of deferred.foreignKeys) await client.query(`ALTER TABLE ${fk.table} ADD CONSTRAINT ${client.escapeIdentifier(fk.name)} ${fk.definition}`);
}

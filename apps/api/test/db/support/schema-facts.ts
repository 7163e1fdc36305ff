import { createRequire } from 'node:module';

/**
 * A schema reduced to comparable one-line "facts", e.g.
 *   column articles.tag_list text[] NULL
 *   index articles.articles_created_at_id_idx btree (created_at DESC, id DESC)
 * Both sides (schema.prisma via Prisma's own DMMF, and the migrated database via pg_catalog)
 * produce the same strings, so drift is a plain set difference that reads like a report.
 */
export type SchemaFacts = Set<string>;

export interface SchemaDrift {
  /** Declared in schema.prisma, absent (or different) in the database. */
  missingInDatabase: string[];
  /** Present in the database, not declared in schema.prisma. */
  notInSchema: string[];
}

export function diffFacts(schema: SchemaFacts, database: SchemaFacts): SchemaDrift {
  return {
    missingInDatabase: [...schema].filter((f) => !database.has(f)).sort(),
    notInSchema: [...database].filter((f) => !schema.has(f)).sort(),
  };
}

// --- schema.prisma side -------------------------------------------------------------------

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: string;
  type: string;
  isList: boolean;
  isRequired: boolean;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string | null;
  algorithm?: string;
  fields: Array<{ name: string; sortOrder?: 'asc' | 'desc' }>;
}
interface Dmmf {
  datamodel: { models: DmmfModel[]; enums: Array<{ name: string; dbName?: string | null; values: Array<{ name: string; dbName?: string | null }> }>; indexes: DmmfIndex[] };
}

/** Prisma's own parser (the prisma-fmt wasm the CLI uses): no hand-written schema parsing. */
export function getDmmf(schemaText: string): Dmmf {
  const require = createRequire(import.meta.url);
  const wasm = require('@prisma/prisma-schema-wasm') as { get_dmmf(params: string): string };
  return JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', schemaText]] }))) as Dmmf;
}

// Prisma's PostgreSQL types for scalars without @db.* (what `prisma migrate` would create).
const DEFAULT_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};

function nativeType([name, args]: [string, string[]]): string {
  const a = args.length ? `(${args.join(',')})` : '';
  switch (name) {
    case 'Timestamptz':
      return `timestamp${a || '(6)'} with time zone`;
    case 'Timestamp':
      return `timestamp${a || '(6)'} without time zone`;
    case 'Timetz':
      return `time${a || '(6)'} with time zone`;
    case 'Time':
      return `time${a || '(6)'} without time zone`;
    case 'VarChar':
      return `character varying${a}`;
    case 'Char':
      return `character${a || '(1)'}`;
    case 'Decimal':
      return `numeric${a}`;
    case 'DoublePrecision':
      return 'double precision';
    case 'SmallInt':
      return 'smallint';
    case 'Integer':
      return 'integer';
    case 'JsonB':
      return 'jsonb';
    case 'ByteA':
      return 'bytea';
    default:
      return name.toLowerCase() + a;
  }
}

const ON_DELETE: Record<string, string> = { Cascade: 'cascade', Restrict: 'restrict', NoAction: 'no action', SetNull: 'set null', SetDefault: 'set default' };

export function factsFromPrismaSchema(schemaText: string): SchemaFacts {
  const { datamodel } = getDmmf(schemaText);
  const facts: SchemaFacts = new Set();
  const tableOf = new Map(datamodel.models.map((m) => [m.name, m.dbName ?? m.name]));
  const enumDbName = new Map(datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));
  const column = (model: DmmfModel, field: string) => {
    const f = model.fields.find((x) => x.name === field);
    return f?.dbName ?? field;
  };

  for (const e of datamodel.enums) facts.add(`enum ${e.dbName ?? e.name} (${e.values.map((v) => v.dbName ?? v.name).join(', ')})`);
  for (const model of datamodel.models) {
    const table = tableOf.get(model.name)!;
    facts.add(`table ${table}`);
    for (const f of model.fields) {
      if (f.kind === 'object') {
        if (f.relationFromFields?.length) {
          const cols = f.relationFromFields.map((x) => column(model, x));
          const target = datamodel.models.find((m) => m.name === f.type)!;
          const refs = (f.relationToFields ?? []).map((x) => column(target, x));
          // Prisma's defaults: Restrict for a required relation, SetNull for an optional one.
          const required = f.relationFromFields.every((x) => model.fields.find((y) => y.name === x)?.isRequired);
          const onDelete = ON_DELETE[f.relationOnDelete ?? (required ? 'Restrict' : 'SetNull')];
          facts.add(`foreign key ${table}.${table}_${cols.join('_')}_fkey (${cols.join(', ')}) -> ${tableOf.get(f.type)} (${refs.join(', ')}) on delete ${onDelete}`);
        }
        continue;
      }
      const base = f.kind === 'enum' ? enumDbName.get(f.type)! : f.nativeType ? nativeType(f.nativeType) : DEFAULT_TYPES[f.type];
      if (!base) throw new Error(`schema-facts: no PostgreSQL type known for ${model.name}.${f.name} (${f.type})`);
      // Prisma creates scalar-list columns without NOT NULL (and reads NULL as []).
      const nullable = !f.isRequired || f.isList;
      facts.add(`column ${table}.${f.dbName ?? f.name} ${base}${f.isList ? '[]' : ''} ${nullable ? 'NULL' : 'NOT NULL'}`);
    }
  }
  for (const index of datamodel.indexes) {
    const model = datamodel.models.find((m) => m.name === index.model)!;
    const table = tableOf.get(model.name)!;
    const cols = index.fields.map((f) => column(model, f.name));
    const list = index.fields.map((f, i) => `${cols[i]}${f.sortOrder === 'desc' ? ' DESC' : ''}`).join(', ');
    if (index.type === 'id') {
      facts.add(`primary key ${table}.${model.primaryKey?.name ?? `${table}_pkey`} (${list})`);
    } else if (index.type === 'unique') {
      facts.add(`unique index ${table}.${index.dbName ?? `${table}_${cols.join('_')}_key`} btree (${list})`);
    } else if (index.type === 'normal') {
      facts.add(`index ${table}.${index.dbName ?? `${table}_${cols.join('_')}_idx`} ${(index.algorithm ?? 'BTree').toLowerCase()} (${list})`);
    } else {
      throw new Error(`schema-facts: index type ${index.type} is not supported on PostgreSQL`);
    }
  }
  return facts;
}

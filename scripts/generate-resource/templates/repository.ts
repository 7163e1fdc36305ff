import type { ResourceNames } from '../names.js';

// eslint-disable-next-line max-lines-per-function -- the template of one file, kept readable as the file it writes
export function repositoryTemplate(n: ResourceNames): string {
  return `import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { sqlRows } from '../common/sql.js';
import { PG_POOL } from '../database/database.module.js';

export interface ${n.pascal}Record {
  id: number;
  title: string;
  body: string;
  createdAt: Date;
  updatedAt: Date;
  authorId: number;
  authorUsername: string;
}

type ${n.pascal}Row = { id: number; title: string; body: string; created_at: Date; updated_at: Date; author_id: number; username: string };

const toRecord = (r: ${n.pascal}Row): ${n.pascal}Record => ({ id: r.id, title: r.title, body: r.body, createdAt: r.created_at, updatedAt: r.updated_at, authorId: r.author_id, authorUsername: r.username });

/** The columns every read returns; the author's username is joined by primary key (users_pkey). */
const COLUMNS = 'r.id, r.title, r.body, r.created_at, r.updated_at, r.author_id, u.username';

/** ${n.pascal} queries: raw SQL as named prepared statements (common/sql.ts), one statement each. */
@Injectable()
export class ${n.pascal}Repository {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  /** GET /api/${n.kebabPlural}: newest first. Index: ${n.table}_newest_idx (created_at DESC, id DESC), then users_pkey per row. */
  async listNewest(limit: number, offset: number): Promise<${n.pascal}Record[]> {
    const rows = await sqlRows<${n.pascal}Row>(
      this.pool,
      \`SELECT \${COLUMNS} FROM ${n.table} r JOIN users u ON u.id = r.author_id
ORDER BY r.created_at DESC, r.id DESC
LIMIT $1 OFFSET $2\`,
      [limit, offset],
    );
    return rows.map(toRecord);
  }

  /** GET /api/${n.kebabPlural}?author=: newest first. Indexes: users_username_key, ${n.table}_by_author_newest_idx (author_id, created_at DESC, id DESC). */
  async listByAuthorNewest(username: string, limit: number, offset: number): Promise<${n.pascal}Record[]> {
    const rows = await sqlRows<${n.pascal}Row>(
      this.pool,
      \`SELECT \${COLUMNS} FROM ${n.table} r JOIN users u ON u.id = r.author_id
WHERE r.author_id = (SELECT id FROM users WHERE username = $1)
ORDER BY r.created_at DESC, r.id DESC
LIMIT $2 OFFSET $3\`,
      [username, limit, offset],
    );
    return rows.map(toRecord);
  }

  /** Index: ${n.table}_pkey. */
  async findById(id: number): Promise<${n.pascal}Record | null> {
    const rows = await sqlRows<${n.pascal}Row>(this.pool, \`SELECT \${COLUMNS} FROM ${n.table} r JOIN users u ON u.id = r.author_id WHERE r.id = $1\`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** One statement: the insert and its author's username. */
  async create(authorId: number, title: string, body: string): Promise<${n.pascal}Record> {
    const rows = await sqlRows<${n.pascal}Row>(
      this.pool,
      \`WITH r AS (INSERT INTO ${n.table} (author_id, title, body, updated_at) VALUES ($1, $2, $3, CURRENT_TIMESTAMP) RETURNING *)
SELECT \${COLUMNS} FROM r JOIN users u ON u.id = r.author_id\`,
      [authorId, title, body],
    );
    return toRecord(rows[0]);
  }

  /** The WHERE repeats the authorization (author); null when there is no such row of this author. */
  async update(id: number, authorId: number, changes: { title?: string; body?: string }): Promise<${n.pascal}Record | null> {
    const rows = await sqlRows<${n.pascal}Row>(
      this.pool,
      \`WITH r AS (
  UPDATE ${n.table} SET title = COALESCE($3, title), body = COALESCE($4, body), updated_at = CURRENT_TIMESTAMP
  WHERE id = $1 AND author_id = $2 RETURNING *
)
SELECT \${COLUMNS} FROM r JOIN users u ON u.id = r.author_id\`,
      [id, authorId, changes.title ?? null, changes.body ?? null],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** The WHERE repeats the authorization (author). */
  async delete(id: number, authorId: number): Promise<boolean> {
    const rows = await sqlRows<{ id: number }>(this.pool, 'DELETE FROM ${n.table} WHERE id = $1 AND author_id = $2 RETURNING id', [id, authorId]);
    return rows.length > 0;
  }
}
`;
}

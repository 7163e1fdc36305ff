import type pg from 'pg';

export interface CapturedQuery {
  text: string;
  values: unknown[];
}

/**
 * A pg.Pool wrapper that runs statements AND records them: for repositories whose second
 * statement depends on the first one's result (the feed's statistics, then its page).
 */
export class RecordingRealPool {
  readonly captured: CapturedQuery[] = [];

  constructor(private readonly pool: pg.Pool) {}

  async query(config: string | { text: string; values?: unknown[] }, values?: unknown[]) {
    const q = typeof config === 'string' ? { text: config, values: values ?? [] } : { text: config.text, values: config.values ?? values ?? [] };
    this.captured.push(q);
    return this.pool.query(q.text, q.values);
  }

  take(): CapturedQuery[] {
    return this.captured.splice(0);
  }
}

/**
 * A stand-in for pg.Pool that records statements instead of running them, so the EXPLAIN test
 * explains exactly the SQL the repositories build (no copy of their SQL that could go stale).
 */
export class RecordingPool {
  readonly captured: CapturedQuery[] = [];

  async query(config: string | { text: string; values?: unknown[] }, values?: unknown[]) {
    const q = typeof config === 'string' ? { text: config, values: values ?? [] } : { text: config.text, values: config.values ?? values ?? [] };
    this.captured.push(q);
    return { rows: [], rowCount: 0 };
  }

  take(): CapturedQuery[] {
    return this.captured.splice(0);
  }
}

export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
  [key: string]: unknown;
}

/**
 * Both plans PostgreSQL may use for a statement: the custom plan for these exact values, and
 * the generic plan a named prepared statement switches to after five executions (the API's
 * hot queries are named prepared statements, so the generic plan is what production runs).
 */
export async function explainBoth(client: pg.Client, query: CapturedQuery): Promise<{ custom: PlanNode; generic: PlanNode }> {
  const custom = await client.query(`EXPLAIN (FORMAT JSON) ${query.text}`, query.values);
  await client.query(`PREPARE explain_me AS ${query.text}`);
  try {
    await client.query('SET plan_cache_mode = force_generic_plan');
    const args = query.values.map((v) => literal(client, v)).join(', ');
    const generic = await client.query(`EXPLAIN (FORMAT JSON) EXECUTE explain_me${args ? `(${args})` : ''}`);
    return { custom: planOf(custom.rows), generic: planOf(generic.rows) };
  } finally {
    await client.query('RESET plan_cache_mode');
    await client.query('DEALLOCATE explain_me');
  }
}

/** What one execution touched: buffers (shared hit + read) and rows read by scans (incl. filtered out). */
export interface ExecutionCost {
  buffers: number;
  rows: number;
  plan: PlanNode;
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the custom plan and of the generic plan (as a prepared statement
 * runs after five executions). Buffer and row counts are deterministic for the same data and
 * plan, unlike timings, so they can be asserted.
 */
export async function analyzeBoth(client: pg.Client, query: CapturedQuery, tables: readonly string[]): Promise<{ custom: ExecutionCost; generic: ExecutionCost }> {
  // Warm: the first execution may read pages the second finds in shared buffers; both count.
  const custom = planOf((await client.query(`EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) ${query.text}`, query.values)).rows);
  await client.query(`PREPARE analyze_me AS ${query.text}`);
  try {
    await client.query('SET plan_cache_mode = force_generic_plan');
    const args = query.values.map((v) => literal(client, v)).join(', ');
    const generic = planOf((await client.query(`EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) EXECUTE analyze_me${args ? `(${args})` : ''}`)).rows);
    return { custom: costOf(custom, tables), generic: costOf(generic, tables) };
  } finally {
    await client.query('RESET plan_cache_mode');
    await client.query('DEALLOCATE analyze_me');
  }
}

const SCANS = new Set(['Seq Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Heap Scan', 'Bitmap Index Scan']);

/** Buffers of the whole statement; rows read by scans of `tables` (small lookup tables aside). */
function costOf(plan: PlanNode, tables: readonly string[]): ExecutionCost {
  let rows = 0;
  for (const node of planNodes(plan)) {
    if (!SCANS.has(node['Node Type']) || node['Node Type'] === 'Bitmap Index Scan' || !tables.includes(String(node['Relation Name']))) continue;
    const loops = Number(node['Actual Loops'] ?? 1);
    rows += (Number(node['Actual Rows'] ?? 0) + Number(node['Rows Removed by Filter'] ?? 0) + Number(node['Rows Removed by Index Recheck'] ?? 0)) * loops;
  }
  const buffers = Number(plan['Shared Hit Blocks'] ?? 0) + Number(plan['Shared Read Blocks'] ?? 0);
  return { buffers, rows, plan };
}

function planOf(rows: Array<Record<string, unknown>>): PlanNode {
  const json = rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>;
  return json[0].Plan;
}

function literal(client: pg.Client, value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) return client.escapeLiteral(`{${value.map((v) => String(v)).join(',')}}`);
  return client.escapeLiteral(String(value));
}

/** Every node of a plan tree (depth first), including init plans and subplans. */
export function* planNodes(node: PlanNode): Generator<PlanNode> {
  yield node;
  for (const child of node.Plans ?? []) yield* planNodes(child);
}

/** "Seq Scan on articles" for each sequential scan of one of `tables`. */
export function seqScansOn(plan: PlanNode, tables: readonly string[]): string[] {
  return [...planNodes(plan)].filter((n) => n['Node Type'] === 'Seq Scan' && tables.includes(String(n['Relation Name']))).map((n) => `Seq Scan on ${n['Relation Name']}`);
}

/** A compact one-line-per-node rendering for failure messages. */
export function renderPlan(node: PlanNode, depth = 0): string {
  const what = [node['Node Type'], node['Relation Name'] && `on ${node['Relation Name']}`, node['Index Name'] && `using ${node['Index Name']}`].filter(Boolean).join(' ');
  return [`${'  '.repeat(depth)}${what}`, ...(node.Plans ?? []).map((c) => renderPlan(c, depth + 1))].join('\n');
}

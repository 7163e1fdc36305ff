import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * Lint rule "no raw SQL built from strings" (offline, TypeScript AST, no ESLint setup needed):
 *  1. Everywhere under apps/ and libs/ (tests included): no `$queryRawUnsafe`, `$executeRawUnsafe`
 *     or `Prisma.raw` — Prisma's escape hatches that send a string as SQL.
 *  2. In runtime code (any `src/` folder): the SQL text passed to `<pool|client>.query(...)`,
 *     `query({ text })` or `sqlRows(db, text)` must not be a template with interpolations or a
 *     `+` concatenation, unless every interpolated value is a placeholder (`params.add(v)` from
 *     SqlParams in common/sql.ts) or a SCREAMING_CASE constant (or its `.join()`). Values go in
 *     as $1..$n. Identifiers that cannot be parameters (DDL) need a `// sql-safe: <why>` comment
 *     on the line or the line above.
 * Tests and benchmarks build DDL for throwaway databases with generated names, so rule 2 does not
 * apply to them. Test: apps/api/test/security/raw-sql-lint.spec.ts.
 */
export interface RawSqlViolation {
  file: string;
  line: number;
  rule: 'unsafe-raw' | 'interpolated-sql';
  text: string;
}

const UNSAFE_NAMES = new Set(['$queryRawUnsafe', '$executeRawUnsafe']);
const SCREAMING = /^[A-Z][A-Z0-9_]*$/;

function isSafeInterpolation(expr: ts.Expression): boolean {
  if (ts.isParenthesizedExpression(expr)) return isSafeInterpolation(expr.expression);
  if (ts.isNumericLiteral(expr) || ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return true;
  if (ts.isIdentifier(expr)) return SCREAMING.test(expr.text);
  if (ts.isPropertyAccessExpression(expr)) return SCREAMING.test(expr.name.text);
  if (ts.isCallExpression(expr) && ts.isPropertyAccessExpression(expr.expression)) {
    const { name, expression } = expr.expression;
    if (name.text === 'add') return true; // SqlParams placeholder: returns "$n"
    if (name.text === 'join' && ts.isIdentifier(expression) && SCREAMING.test(expression.text)) return true;
  }
  return false;
}

/** True when this expression builds SQL text from non-constant pieces. */
function isBuiltSql(expr: ts.Expression): boolean {
  if (ts.isParenthesizedExpression(expr)) return isBuiltSql(expr.expression);
  if (ts.isTemplateExpression(expr)) return expr.templateSpans.some((span) => !isSafeInterpolation(span.expression));
  if (ts.isBinaryExpression(expr) && expr.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const literal = (e: ts.Expression) => ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || (ts.isBinaryExpression(e) && !isBuiltSql(e));
    return !(literal(expr.left) && literal(expr.right)) || isBuiltSql(expr.left) || isBuiltSql(expr.right);
  }
  return false;
}

function sqlArgument(call: ts.CallExpression): ts.Expression | undefined {
  const callee = call.expression;
  let arg: ts.Expression | undefined;
  if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'query') arg = call.arguments[0];
  else if ((ts.isIdentifier(callee) && callee.text === 'sqlRows') || (ts.isPropertyAccessExpression(callee) && callee.name.text === 'sqlRows')) arg = call.arguments[1];
  if (arg && ts.isObjectLiteralExpression(arg)) {
    const text = arg.properties.find((p) => ts.isPropertyAssignment(p) && p.name.getText() === 'text');
    return text && ts.isPropertyAssignment(text) ? text.initializer : undefined;
  }
  return arg;
}

export function findRawSqlViolations(source: string, fileName: string, options: { runtime: boolean }): RawSqlViolation[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const lines = source.split('\n');
  const waived = (line: number) => /sql-safe:/.test(lines[line] ?? '') || /sql-safe:/.test(lines[line - 1] ?? '');
  const out: RawSqlViolation[] = [];
  const report = (node: ts.Node, rule: RawSqlViolation['rule']) => {
    const line = file.getLineAndCharacterOfPosition(node.getStart()).line;
    if (rule === 'interpolated-sql' && waived(line)) return;
    out.push({ file: fileName, line: line + 1, rule, text: lines[line].trim().slice(0, 160) });
  };
  const visit = (node: ts.Node) => {
    if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const name = ts.isPropertyAccessExpression(node) ? node.name.text : ts.isStringLiteral(node.argumentExpression) ? node.argumentExpression.text : '';
      if (UNSAFE_NAMES.has(name)) report(node, 'unsafe-raw');
      if (name === 'raw' && ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Prisma') report(node, 'unsafe-raw');
    }
    if (options.runtime && ts.isCallExpression(node)) {
      const arg = sqlArgument(node);
      if (arg && isBuiltSql(arg)) report(arg, 'interpolated-sql');
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

const SKIP_DIRS = new Set(['node_modules', 'dist', 'generated', 'coverage', '.turbo']);
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;

/** Scans apps/ and libs/ of the repository at `root`. */
export function scanRepository(root: string): { files: number; violations: RawSqlViolation[] } {
  let files = 0;
  const violations: RawSqlViolation[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      if (SKIP_DIRS.has(entry) || entry.startsWith('.')) continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (SOURCE.test(entry) && !entry.endsWith('.d.ts')) {
        files++;
        const rel = relative(root, path);
        // libs/testing is test infrastructure (throwaway databases with generated names).
        const runtime = /(^|\/)src\//.test(rel) && !rel.startsWith('libs/testing/') && !/\.(spec|test|bench)\.[cm]?[jt]sx?$/.test(rel);
        violations.push(...findRawSqlViolations(readFileSync(path, 'utf8'), rel, { runtime }));
      }
    }
  };
  for (const top of ['apps', 'libs']) walk(join(root, top));
  return { files, violations };
}

// The suite's report: one summary table (scenario, outcome, figures) on stdout and in
// results/latest.md, per-phase detail in the same file, everything in results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PhaseFigures } from './phase-stats.ts';
import type { ScenarioResult } from './scenario-runner.ts';

const ms = (v: number | undefined) => (v === undefined ? '-' : `${Math.round(v)}`);

function failures(p: PhaseFigures): number {
  return p.status5xx + p.connectionErrors;
}

export function summaryFigures(r: ScenarioResult): string {
  const [b, d, a] = r.phases;
  const parts: string[] = [];
  if (d)
    parts.push(
      `req b/d/a ${b.requests}/${d.requests}/${a.requests}, 5xx+conn err ${failures(b)}/${failures(d)}/${failures(a)}, p99 ${ms(b.p99)}/${ms(d.p99)}/${ms(a.p99)} ms, max during ${ms(d.max)} ms`,
    );
  if (r.detectMs !== undefined) parts.push(`detect ${ms(r.detectMs)} ms`);
  if (r.recoverMs !== undefined && Number.isFinite(r.recoverMs)) parts.push(`recover ${ms(r.recoverMs)} ms`);
  if (r.chat)
    parts.push(
      `chat: ${r.chat.reconnects} reconnects (p99 ${ms(r.chat.reconnectP99Ms)} ms), ${r.chat.acked} acked, to the other members ${r.chat.deliveredLive} live / ${r.chat.recovered} from history / ${r.chat.lost} lost, ${r.chat.duplicatesShown} duplicates shown${r.chat.resumeMs !== undefined ? `, resumed ${ms(r.chat.resumeMs)} ms` : ''}`,
    );
  parts.push(`exits ${r.exits.length}`);
  for (const [k, v] of Object.entries(r.figures)) if (v !== undefined) parts.push(`${k}: ${v}`);
  return parts.join('; ');
}

export function formatTable(results: ScenarioResult[]): string {
  const rows = results.map((r) => `| ${r.name} | ${r.pass ? 'PASS' : 'FAIL'} | ${summaryFigures(r).replace(/\|/g, '/')} |`);
  return ['| scenario | outcome | figures |', '|---|---|---|', ...rows].join('\n');
}

function phaseTable(r: ScenarioResult): string {
  const lines = ['| phase | s | requests | by method and status | conn. errors | p50 | p95 | p99 | max (ms) |', '|---|---|---|---|---|---|---|---|---|'];
  for (const p of r.phases) {
    const by = Object.entries(p.byMethodStatus)
      .sort()
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ');
    const errs = p.connectionErrors
      ? `${p.connectionErrors} (${Object.entries(p.errorKinds)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')})`
      : '0';
    lines.push(`| ${p.phase} | ${p.durationS.toFixed(1)} | ${p.requests} | ${by} | ${errs} | ${ms(p.p50)} | ${ms(p.p95)} | ${ms(p.p99)} | ${ms(p.max)} |`);
  }
  return lines.join('\n');
}

export function writeResults(dir: string, results: ScenarioResult[], meta: Record<string, unknown>, name = 'latest'): { md: string; json: string } {
  mkdirSync(dir, { recursive: true });
  const md = [
    `# Resilience suite: latest run`,
    '',
    `${meta.mode} mode, ${meta.startedAt}, ${meta.durationS} s in all; ${meta.machine}.`,
    `Command: \`${meta.command}\`. Expected outcomes: load-tests/resilience/README.md. b/d/a = before/during/after the fault.`,
    '',
    formatTable(results),
    '',
    '## Details',
    ...results.flatMap((r) => [
      '',
      `### ${r.name}: ${r.pass ? 'PASS' : 'FAIL'}`,
      '',
      `Expected: ${r.expected}.`,
      '',
      ...r.checks.map((c) => `- ${c.pass ? 'ok' : 'FAILED'}: ${c.label} (${c.detail})`),
      ...(r.exits.length ? [`- unplanned process exits: ${r.exits.join(', ')}`] : []),
      ...(r.error ? ['', '```', r.error, '```'] : []),
      '',
      phaseTable(r),
    ]),
    '',
    '## Notes',
    ...(meta.notes as string[]).map((n) => `- ${n}`),
    '',
  ].join('\n');
  const mdPath = join(dir, `${name}.md`);
  const jsonPath = join(dir, `${name}.json`);
  writeFileSync(mdPath, md);
  writeFileSync(jsonPath, JSON.stringify({ ...meta, results }, null, 2));
  return { md: mdPath, json: jsonPath };
}

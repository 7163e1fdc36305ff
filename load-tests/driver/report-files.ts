import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderHtmlReport } from '../shared/report-html.ts';
import type { RunSummary } from '../shared/summary.ts';

/** The latest full overload scenario's charts (load-tests/resilience/overload.scenario.ts). */
const OVERLOAD_SVG = fileURLToPath(new URL('../resilience/results/overload.svg', import.meta.url));
const DEFAULT_REPORT_DIR = fileURLToPath(new URL('../reports/', import.meta.url));
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Extra sections: the run's conditions (configuration, handicap, aging) and "behaviour under overload". */
function extraSections(summary: RunSummary): string {
  const parts: string[] = [];
  if (summary.conditions) {
    parts.push(
      `<h2>Measured on</h2><ul>${Object.entries(summary.conditions)
        .map(([k, v]) => `<li><b>${esc(k)}</b>: ${esc(typeof v === 'string' ? v : JSON.stringify(v))}</li>`)
        .join('')}</ul>`,
    );
  }
  if (existsSync(OVERLOAD_SVG)) {
    const when = statSync(OVERLOAD_SVG).mtime.toISOString().slice(0, 16).replace('T', ' ');
    parts.push(
      `<h2>Behaviour under overload</h2><p>From the latest overload scenario (<code>npm run test:resilience -- --only overload</code>, ${when} UTC): offered load vs goodput and shed rate, then requests and admitted-request latency per second across 2x and 3x the measured capacity. Not part of this run.</p>${readFileSync(OVERLOAD_SVG, 'utf8')}`,
    );
  }
  return parts.join('\n');
}

/** Writes <dir>/<name>-summary.json and <dir>/<name>-report.html; returns their paths. */
export async function writeReports(summary: RunSummary, dir: string, name: string): Promise<{ json: string; html: string }> {
  const out = resolve(dir);
  await mkdir(out, { recursive: true });
  const json = join(out, `${name}-summary.json`);
  const html = join(out, `${name}-report.html`);
  await writeFile(json, JSON.stringify(summary, null, 2));
  await writeFile(html, renderHtmlReport(summary).replace('</body></html>', `${extraSections(summary)}\n</body></html>`));
  return { json, html };
}

/** Writes the <name> reports into reportDir (REPORT_DIR; default load-tests/reports) and logs their paths. */
export async function writeAndLogReports(summary: RunSummary, reportDir: string | undefined, name: string, log: (line: string) => void): Promise<void> {
  const files = await writeReports(summary, reportDir || DEFAULT_REPORT_DIR, name);
  log(`summary: ${files.json}`);
  log(`report:  ${files.html}`);
}

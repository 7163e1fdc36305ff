import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { renderHtmlReport } from '../shared/report-html.ts';
import type { RunSummary } from '../shared/summary.ts';

/** Writes <dir>/<name>-summary.json and <dir>/<name>-report.html; returns their paths. */
export async function writeReports(summary: RunSummary, dir: string, name: string): Promise<{ json: string; html: string }> {
  const out = resolve(dir);
  await mkdir(out, { recursive: true });
  const json = join(out, `${name}-summary.json`);
  const html = join(out, `${name}-report.html`);
  await writeFile(json, JSON.stringify(summary, null, 2));
  await writeFile(html, renderHtmlReport(summary));
  return { json, html };
}

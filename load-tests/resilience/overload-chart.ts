// "Behaviour under overload" charts (plain SVG, no dependencies) from the overload scenario's
// timeline: (1) offered load against goodput and shed rate, (2) per-second offered / goodput /
// shed and admitted-request latency across the whole run. Written next to the results as
// overload.svg (README) and overload.html (the report, with the figures table).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OverloadTimeline } from './overload.scenario.ts';

const W = 760;
const H = 260;
const M = { l: 60, r: 60, t: 30, b: 40 };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function axis(maxY: number, label: string, right = false, unit = ''): string {
  const x = right ? W - M.r : M.l;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = H - M.b - f * (H - M.t - M.b);
    return `<text x="${right ? x + 6 : x - 6}" y="${y + 4}" text-anchor="${right ? 'start' : 'end'}" font-size="10">${Math.round(maxY * f)}${unit}</text>${right ? '' : `<line x1="${M.l}" x2="${W - M.r}" y1="${y}" y2="${y}" stroke="#eee"/>`}`;
  });
  return `${ticks.join('')}<text x="${right ? W - 12 : 12}" y="${M.t - 12}" text-anchor="${right ? 'end' : 'start'}" font-size="11" fill="#444">${esc(label)}</text>`;
}

function path(points: Array<[number, number]>, color: string, dash = ''): string {
  if (!points.length) return '';
  return `<polyline fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`;
}

function legend(items: Array<[string, string]>, y = H - 8): string {
  return items
    .map(([label, color], i) => `<rect x="${M.l + i * 170}" y="${y - 9}" width="12" height="4" fill="${color}"/><text x="${M.l + 16 + i * 170}" y="${y - 4}" font-size="11">${esc(label)}</text>`)
    .join('');
}

/** Offered load (x) against goodput (left axis) and shed rate (right axis). */
export function offeredVsGoodputSvg(t: OverloadTimeline): string {
  const pts = [...t.probe.map((p) => ({ offered: p.offered, goodput: p.goodput, shed: p.shedRate })), ...t.phases.map((p) => ({ offered: p.offered, goodput: p.goodput, shed: p.shedRate }))].sort(
    (a, b) => a.offered - b.offered,
  );
  const maxX = Math.max(...pts.map((p) => p.offered)) * 1.05;
  const maxY = maxX;
  const sx = (v: number) => M.l + (v / maxX) * (W - M.l - M.r);
  const sy = (v: number, max: number) => H - M.b - (v / max) * (H - M.t - M.b);
  const xt = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${sx(maxX * f)}" y="${H - M.b + 14}" text-anchor="middle" font-size="10">${Math.round(maxX * f)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 20}" font-family="sans-serif">
<text x="${W / 2}" y="14" text-anchor="middle" font-size="13" font-weight="bold">Offered load vs goodput and shed rate (peak ${t.capacity} req/s)</text>
${axis(maxY, 'req/s')}${axis(100, 'shed %', true, '%')}${xt}
<text x="${W / 2}" y="${H - M.b + 28}" text-anchor="middle" font-size="11">offered load (req/s)</text>
${path(
  [
    [sx(0), sy(0, maxY)],
    [sx(maxX), sy(maxX, maxY)],
  ],
  '#bbb',
  '4 4',
)}
${path(
  [
    [sx(0), sy(t.capacity * 0.9, maxY)],
    [sx(maxX), sy(t.capacity * 0.9, maxY)],
  ],
  '#e0a000',
  '2 4',
)}
${path(
  pts.map((p) => [sx(p.offered), sy(p.goodput, maxY)]),
  '#1f77b4',
)}
${path(
  pts.map((p) => [sx(p.offered), sy(p.shed * 100, 100)]),
  '#d62728',
)}
${pts.map((p) => `<circle cx="${sx(p.offered)}" cy="${sy(p.goodput, maxY)}" r="3" fill="#1f77b4"/>`).join('')}
${legend(
  [
    ['goodput (req/s)', '#1f77b4'],
    ['shed rate (%)', '#d62728'],
    ['90% of peak', '#e0a000'],
    ['goodput = offered', '#bbb'],
  ],
  H + 16,
)}
</svg>`;
}

/** Per second across the run: offered / goodput / shed (top) and admitted p50/p99 (bottom). */
// eslint-disable-next-line max-lines-per-function -- one SVG template: scales, ticks and five series drawn into one string read top to bottom
export function latencyOverTimeSvg(t: OverloadTimeline): string {
  const s = t.seconds;
  const maxT = Math.max(1, s.length);
  const maxRate = Math.max(1, ...s.map((x) => x.offered)) * 1.05;
  const maxMs = Math.max(50, ...s.map((x) => x.admittedP99 ?? 0)) * 1.1;
  const sx = (v: number) => M.l + (v / maxT) * (W - M.l - M.r);
  const sy = (v: number, max: number, top: number, h: number) => top + h - (v / max) * h;
  const h = H - M.t - M.b;
  const top2 = H + 20;
  const marks = t.marks
    .map(
      (m) =>
        `<line x1="${sx(m.t)}" x2="${sx(m.t)}" y1="${M.t}" y2="${top2 + h}" stroke="#999" stroke-dasharray="3 3"/><text x="${sx(m.t) + 3}" y="${M.t + 10}" font-size="10" fill="#555">${esc(m.label)}</text>`,
    )
    .join('');
  const yTicks = (max: number, top: number, unit: string) =>
    [0, 0.5, 1]
      .map(
        (f) =>
          `<text x="${M.l - 6}" y="${sy(max * f, max, top, h) + 4}" text-anchor="end" font-size="10">${Math.round(max * f)}${unit}</text><line x1="${M.l}" x2="${W - M.r}" y1="${sy(max * f, max, top, h)}" y2="${sy(max * f, max, top, h)}" stroke="#eee"/>`,
      )
      .join('');
  const xt = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${sx(maxT * f)}" y="${top2 + h + 14}" text-anchor="middle" font-size="10">${Math.round(maxT * f)} s</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${top2 + h + 60}" font-family="sans-serif">
<text x="${W / 2}" y="14" text-anchor="middle" font-size="13" font-weight="bold">Across the overload: requests per second (top) and admitted-request latency (bottom)</text>
${yTicks(maxRate, M.t, '')}${yTicks(maxMs, top2, ' ms')}${xt}${marks}
${path(
  s.map((x) => [sx(x.t + 0.5), sy(x.offered, maxRate, M.t, h)]),
  '#999',
)}
${path(
  s.map((x) => [sx(x.t + 0.5), sy(x.goodput, maxRate, M.t, h)]),
  '#1f77b4',
)}
${path(
  s.map((x) => [sx(x.t + 0.5), sy(x.shed, maxRate, M.t, h)]),
  '#d62728',
)}
${path(
  s.filter((x) => x.admittedP50 !== undefined).map((x) => [sx(x.t + 0.5), sy(x.admittedP50!, maxMs, top2, h)]),
  '#2ca02c',
)}
${path(
  s.filter((x) => x.admittedP99 !== undefined).map((x) => [sx(x.t + 0.5), sy(x.admittedP99!, maxMs, top2, h)]),
  '#9467bd',
)}
${legend(
  [
    ['offered', '#999'],
    ['goodput', '#1f77b4'],
    ['shed (503)', '#d62728'],
  ],
  top2 - 6,
)}
${legend(
  [
    ['admitted p50', '#2ca02c'],
    ['admitted p99', '#9467bd'],
  ],
  top2 + h + 40,
)}
</svg>`;
}

export function writeOverloadReport(dir: string, name: string, t: OverloadTimeline, meta: { startedAt: string; machine: string; command: string }): { svg: string; html: string } {
  const a = offeredVsGoodputSvg(t);
  const b = latencyOverTimeSvg(t);
  const svgPath = join(dir, `${name}.svg`);
  // One file for the README: both charts stacked.
  const hA = Number(/height="(\d+)"/.exec(a)![1]);
  const hB = Number(/height="(\d+)"/.exec(b)![1]);
  writeFileSync(
    svgPath,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${hA + hB}"><rect width="100%" height="100%" fill="white"/><g>${a}</g><g transform="translate(0 ${hA})">${b}</g></svg>`,
  );
  const rows = t.phases
    .map(
      (p) =>
        `<tr><td>${p.name}</td><td>${p.offered}</td><td>${p.goodput} (${(p.goodputShare * 100).toFixed(0)}%)</td><td>${(p.shedRate * 100).toFixed(1)}%</td><td>${p.admittedP50?.toFixed(0) ?? '-'} / ${p.admittedP99?.toFixed(0) ?? '-'}</td><td>${p.shedP99?.toFixed(0) ?? '-'}</td><td>${p.failed}</td></tr>`,
    )
    .join('');
  const htmlPath = join(dir, `${name}.html`);
  writeFileSync(
    htmlPath,
    `<!doctype html><meta charset="utf-8"><title>Behaviour under overload</title>
<body style="font-family:sans-serif;max-width:800px;margin:auto">
<h1>Behaviour under overload</h1>
<p>${esc(meta.startedAt)} - ${esc(meta.machine)}. Command: <code>${esc(meta.command)}</code>. Peak goodput (capacity) ${t.capacity} req/s; DOWN transitions ${t.downTransitions}; latency normal ${t.recoverS ?? '-'} s after the load dropped.</p>
<table border="1" cellpadding="4" style="border-collapse:collapse"><tr><th>load</th><th>offered req/s</th><th>goodput req/s (of peak)</th><th>shed</th><th>admitted p50 / p99 ms</th><th>shed p99 ms</th><th>failed</th></tr>${rows}</table>
${a}${b}</body>`,
  );
  return { svg: svgPath, html: htmlPath };
}

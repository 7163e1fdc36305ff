// Self-contained HTML report (inline SVG, no scripts, no CDN) written by both runners.
// Meant for people who have never used k6: every chart and table says what "good" looks like.

import { formatCacheWork, formatStackCpu, type RunSummary, type TimelinePoint } from './summary.ts';
import { formatThresholdActual } from './thresholds.ts';
import { formatWork } from './work-budget.ts';

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const ms = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
const pct = (v: number) => `${(v * 100).toFixed(3)}%`;

interface Series {
  name: string;
  color: string;
  points: Array<[number, number | undefined]>;
}

/** A line chart as inline SVG. `limit` draws a dashed threshold line. */
export function svgLineChart(opts: { title: string; yLabel: string; series: Series[]; limit?: { value: number; label: string } }): string {
  const W = 760;
  const H = 240;
  const L = 56;
  const R = 12;
  const T = 28;
  const B = 34;
  const pts = opts.series.flatMap((s) => s.points.filter((p): p is [number, number] => p[1] !== undefined));
  if (!pts.length) return `<figure><figcaption>${esc(opts.title)}</figcaption><p class="muted">No data recorded for this chart.</p></figure>`;
  const xMax = Math.max(1, ...pts.map((p) => p[0]));
  const yMax = Math.max(1, ...pts.map((p) => p[1]), opts.limit ? opts.limit.value * 1.1 : 0) * 1.05;
  const x = (v: number) => L + ((W - L - R) * v) / xMax;
  const y = (v: number) => T + (H - T - B) * (1 - v / yMax);
  const grid: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    grid.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v >= 100 ? v.toFixed(0) : v.toFixed(1)}</text>`);
  }
  for (let i = 0; i <= 6; i++) {
    const v = (xMax * i) / 6;
    grid.push(`<text x="${x(v)}" y="${H - B + 16}" text-anchor="middle">${v.toFixed(0)} s</text>`);
  }
  const lines = opts.series.map((s) => {
    const d = s.points
      .filter((p): p is [number, number] => p[1] !== undefined)
      .map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`)
      .join('');
    return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`;
  });
  const limit = opts.limit
    ? `<line x1="${L}" x2="${W - R}" y1="${y(opts.limit.value)}" y2="${y(opts.limit.value)}" class="limit"/><text x="${W - R}" y="${y(opts.limit.value) - 4}" text-anchor="end" class="limit-text">${esc(opts.limit.label)}</text>`
    : '';
  const legend = opts.series.map((s, i) => `<rect x="${L + i * 150}" y="8" width="12" height="4" fill="${s.color}"/><text x="${L + 16 + i * 150}" y="14">${esc(s.name)}</text>`).join('');
  return `<figure><figcaption>${esc(opts.title)}</figcaption><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(opts.title)}">${grid.join('')}${limit}${lines.join('')}${legend}<text x="14" y="${T + (H - T - B) / 2}" transform="rotate(-90 14 ${T + (H - T - B) / 2})" text-anchor="middle">${esc(opts.yLabel)}</text></svg></figure>`;
}

/** A line of a timeline chart: legend, color, and the TimelinePoint field it plots. */
type TimelineLine = [name: string, color: string, field: keyof TimelinePoint];

function timelineChart(tl: TimelinePoint[], title: string, yLabel: string, lines: TimelineLine[], limit?: { value: number; label: string }): string {
  const series = lines.map(([name, color, field]) => ({ name, color, points: tl.map((p) => [p.t, p[field] as number | undefined] as [number, number | undefined]) }));
  return svgLineChart({ title, yLabel, series, limit });
}

function timelineCharts(tl: TimelinePoint[], p95Limit: number, p99Limit: number, chatLimit: number): string {
  if (!tl.length) {
    return `<p class="muted">This run has no time series (k6's end-of-test summary only has totals). For charts over time run k6 with <code>K6_WEB_DASHBOARD=true K6_WEB_DASHBOARD_EXPORT=report.html</code>, or use the Node driver.</p>`;
  }
  return [
    timelineChart(
      tl,
      'Response time over time (lower is better; stay under the dashed line)',
      'ms',
      [
        ['median (p50)', '#2b8a3e', 'p50'],
        ['95th percentile', '#e67700', 'p95'],
        ['99th percentile', '#c92a2a', 'p99'],
      ],
      { value: p95Limit, label: `p95 limit ${p95Limit} ms (p99 limit ${p99Limit} ms)` },
    ),
    timelineChart(tl, 'Throughput and concurrent users', 'per second / users', [
      ['HTTP requests/s', '#1971c2', 'rps'],
      ['concurrent users', '#868e96', 'users'],
      ['chat deliveries/s', '#9c36b5', 'chatRate'],
    ]),
    timelineChart(tl, 'Errors per window (should stay at zero)', 'errors', [['failed requests + chat errors', '#c92a2a', 'errors']]),
    timelineChart(tl, 'CPU over time (100 = one core): this test vs. everything else on the machine', '% of one core', [
      ['whole machine', '#868e96', 'cpuMachine'],
      ['this test (stack + generator)', '#1971c2', 'cpuTest'],
      ['other processes', '#e67700', 'cpuOthers'],
    ]),
    timelineChart(tl, 'Chat delivery time p95 (send to receipt by another user)', 'ms', [['chat delivery p95', '#9c36b5', 'chatP95']], { value: chatLimit, label: `limit ${chatLimit} ms` }),
  ].join('\n');
}

const table = (head: string[], rows: Array<Array<string | number>>) =>
  `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;

const REPORT_STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#212529;padding:0 16px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #dee2e6}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #dee2e6;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f1f3f5}
.verdict{padding:10px 14px;font-weight:600;border-radius:4px}.pass{background:#d3f9d8;color:#2b8a3e}.fail{background:#ffe3e3;color:#c92a2a}
figure{margin:16px 0}figcaption{font-weight:600;margin-bottom:4px}svg{width:100%;height:auto;background:#fff;border:1px solid #e9ecef}
svg text{font-size:11px;fill:#495057}.grid{stroke:#e9ecef}.limit{stroke:#c92a2a;stroke-dasharray:6 4}.limit-text{fill:#c92a2a}
.muted{color:#868e96}code{background:#f1f3f5;padding:1px 4px}`;

const HOW_TO_READ = `<ul>
<li><b>Users</b> are simulated people running at the same time. Each follows a journey (below) and pauses a few seconds between steps, like a person reading.</li>
<li><b>p50 / p95 / p99</b>: half, 95% and 99% of requests were answered faster than this. The p99 is what the unluckiest 1 in 100 requests felt.</li>
<li><b>Error rate</b>: requests answered with a 4xx/5xx status, or not answered at all (timeout, refused connection).</li>
<li><b>Chat delivery</b>: time from one user sending a chat message to another user in the room receiving it, across API instances.</li>
<li><b>Thresholds</b> are the release gate: if any says FAIL, the run failed and the command exited non-zero.</li>
</ul>`;

export function renderHtmlReport(s: RunSummary): string {
  const limitOf = (metric: string, stat: string, fallback: number) => s.thresholds.find((t) => t.metric === metric && t.stat === stat)?.limit ?? fallback;
  const verdict = s.passed
    ? `<div class="verdict pass">PASS: every release-gate threshold was met.</div>`
    : `<div class="verdict fail">FAIL: ${s.thresholds
        .filter((t) => !t.pass)
        .map((t) => esc(t.label))
        .join('; ')}</div>`;
  const charts = timelineCharts(s.timeline, limitOf('http_req_duration', 'p(95)', 200), limitOf('http_req_duration', 'p(99)', 500), limitOf('chat_delivery_ms', 'p(95)', 200));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Load test report: ${esc(s.testType)} ${esc(s.startedAt)}</title>
<style>
${REPORT_STYLE}
</style></head><body>
<h1>Load test report: ${esc(s.testType)}</h1>
<p class="muted">${esc(s.tool)} · started ${esc(s.startedAt)} · target ${esc(s.baseUrl)}</p>
${verdict}
<h2>Headline</h2>${headlineTable(s)}
<h2>How to read this report</h2>
${HOW_TO_READ}
<h2>Release gate</h2>${gateTable(s)}
<h2>Over time</h2>${charts}
<h2>Journeys</h2>${journeysTable(s)}
<h2>Chat</h2>${chatTable(s)}
<h2>Requests by endpoint</h2>${endpointsTable(s)}
<h2>Who used the machine (CPU, 100% = one core)</h2>${resourcesTable(s)}
${stressSection(s)}
${s.notes.length ? `<h2>Notes</h2><ul>${s.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}

function headlineTable(s: RunSummary): string {
  const l = s.http.latency;
  const duration = `${s.durationS.toFixed(0)} s${s.users.fullStrengthS !== undefined ? ` (${s.users.fullStrengthS.toFixed(0)} s at full strength)` : ''}`;
  return table(
    ['users', 'duration', 'HTTP requests', 'error rate', 'p50', 'p95', 'p99', 'chat delivery p95', 'throughput', 'machine'],
    [[s.users.max, duration, s.http.requests, pct(s.http.failedRate), ms(l?.p50), ms(l?.p95), ms(l?.p99), ms(s.chat.deliveryMs?.p95), `${s.http.rps.toFixed(0)} req/s`, s.machine]],
  );
}

function gateTable(s: RunSummary): string {
  return table(
    ['threshold', 'rule', 'measured', 'result'],
    s.thresholds.map((t) => [t.label, `${t.metric} ${t.expression}`, formatThresholdActual(t), t.pass ? 'PASS' : 'FAIL']),
  );
}

function journeysTable(s: RunSummary): string {
  return table(
    ['journey', 'what the user does', 'users', 'iterations', 'requests', 'errors', 'p50', 'p95', 'p99'],
    s.journeys.map((j) => [j.journey, j.label, j.users, j.iterations, j.requests, j.errors, ms(j.p50), ms(j.p95), ms(j.p99)]),
  );
}

function endpointsTable(s: RunSummary): string {
  return table(
    ['request', 'count', 'errors', 'p50', 'p95', 'p99'],
    s.endpoints.map((e) => [e.name, e.requests, e.errors, ms(e.p50), ms(e.p95), ms(e.p99)]),
  );
}

function chatTable(s: RunSummary): string {
  const c = s.chat;
  return table(
    ['chat users', 'connects', 'failed connects', 'connect p95', 'messages sent', 'deliveries', 'delivery p50', 'delivery p95', 'delivery p99'],
    [[c.users, c.connects, c.connectFailures, ms(c.connectMs?.p95), c.sent, c.received, ms(c.deliveryMs?.p50), ms(c.deliveryMs?.p95), ms(c.deliveryMs?.p99)]],
  );
}

function resourcesTable(s: RunSummary): string {
  if (!s.resources.length) return '<p class="muted">Not measured in this run.</p>';
  const stack = s.stackCpu ? `<p>${formatStackCpu(s.stackCpu).map(esc).join('<br>')}</p>` : '';
  const cache = s.cacheWork ? cacheWorkTable(s.cacheWork) : '';
  const work = s.work ? `<p>${formatWork(s.work).map(esc).join('<br>')}</p>` : '';
  return (
    table(
      ['process', 'pids', 'CPU avg', 'CPU max', 'note'],
      s.resources.map((r) => [r.name, r.pids.join(' '), `${r.cpuAvgPct.toFixed(0)}%`, `${r.cpuMaxPct.toFixed(0)}%`, r.note ?? '']),
    ) +
    stack +
    cache +
    work
  );
}

/** The read cache at full strength: the summary line, then one row per cache. */
function cacheWorkTable(w: NonNullable<RunSummary['cacheWork']>): string {
  const pct = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(0)}%`);
  return (
    `<p>${esc(formatCacheWork(w)[0])}</p>` +
    table(
      ['cache', 'lookups/s', 'served', 'in-process', 'Redis', 'computed/s', "viewers' flags/s", 'flags from Redis', 'flags computed/s'],
      w.caches.map((r) => [
        r.cache,
        r.lookupsPerS.toFixed(1),
        pct(r.servedPct),
        pct(r.inProcessPct),
        pct(r.redisPct),
        r.sharedComputedPerS.toFixed(1),
        r.personalLookupsPerS.toFixed(1),
        pct(r.personalServedPct),
        r.personalComputedPerS.toFixed(1),
      ]),
    )
  );
}

function stressSection(s: RunSummary): string {
  if (!s.stress) return '';
  const { stress } = s;
  const levels = table(
    ['users', 'result', 'requests', 'error rate', 'p95', 'p99', 'chat p95', 'event loop p99', 'failed thresholds', 'busiest processes (CPU)'],
    stress.levels.map((v) => [
      v.users,
      v.pass ? 'PASS' : 'FAIL',
      v.requests,
      pct(v.failedRate),
      ms(v.p95),
      ms(v.p99),
      ms(v.chatP95),
      ms(v.eventLoopP99Ms),
      v.failed.join('; '),
      (v.resources ?? [])
        .slice()
        .sort((a, b) => b.cpuAvgPct - a.cpuAvgPct)
        .slice(0, 3)
        .map((r) => `${r.name} ${r.cpuAvgPct.toFixed(0)}%`)
        .join(', '),
    ]),
  );
  return `<h2>Stress: where it broke</h2><p>Most concurrent users that still met every threshold: <b>${stress.maxPassingUsers ?? 'none'}</b>. First failing level: <b>${stress.firstFailingUsers ?? 'not reached'}</b>${stress.breach ? ` (${esc(stress.breach)})` : ''}.</p>${stress.bottleneck ? `<p>What ran out first: ${esc(stress.bottleneck)}</p>` : ''}${levels}`;
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * Metric names a PromQL expression reads. Small but sufficient for our queries: drops string
 * literals, label matchers {...}, ranges [...] and grouping clauses by(...)/without(...), then
 * every identifier not followed by "(" (a function call) is a metric name.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    if (match[2] || KEYWORDS.has(match[1].toLowerCase())) continue;
    names.add(match[1]);
  }
  return [...names];
}

/**
 * Series names a /metrics page exposes, from its "# TYPE" lines (present even before the first
 * observation). Histograms and summaries expand to their _bucket/_sum/_count series.
 */
export function exportedSeries(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const match = /^# TYPE (\S+) (\S+)/.exec(line);
    if (!match) continue;
    const [, name, type] = match;
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
    if (type === 'counter' && !name.endsWith('_total')) names.add(`${name}_total`);
  }
  return names;
}

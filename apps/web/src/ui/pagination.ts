/** Offset-pagination arithmetic for the article lists (RealWorld uses limit/offset). */
export function pageCount(total: number, perPage: number): number {
  if (perPage <= 0) throw new RangeError('perPage must be positive');
  return Math.max(1, Math.ceil(Math.max(0, total) / perPage));
}

/** 1-based page -> API offset; out-of-range or garbage pages clamp to the first page. */
export function offsetFor(page: number, perPage: number): number {
  return Number.isInteger(page) && page > 1 ? (page - 1) * perPage : 0;
}

/** Parses ?page= from the URL (1 when missing or invalid). */
export function pageFromQuery(value: string | null): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}

/**
 * The page numbers to show: the first, the last, and a window around the current page, with
 * null marking a gap ("…"). Keeps the control short on a phone even with thousands of pages.
 */
export function pageWindow(current: number, count: number, radius = 2): Array<number | null> {
  const pages: Array<number | null> = [];
  const from = Math.max(1, current - radius);
  const to = Math.min(count, current + radius);
  if (from > 1) pages.push(1);
  if (from > 2) pages.push(null);
  for (let p = from; p <= to; p++) pages.push(p);
  if (to < count - 1) pages.push(null);
  if (to < count) pages.push(count);
  return pages;
}

/** A PostgreSQL WAL position ("16/B374D848") as a number of bytes (exact below 2^53: 8 PB of WAL). */
export function lsnToNumber(lsn: string): number {
  const match = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(lsn);
  if (!match) throw new Error(`not a WAL position: ${lsn}`);
  return parseInt(match[1], 16) * 2 ** 32 + parseInt(match[2], 16);
}

/** True when `position` is at or past `target` (the replica has replayed that far). */
export function lsnReached(position: string, target: string): boolean {
  return lsnToNumber(position) >= lsnToNumber(target);
}

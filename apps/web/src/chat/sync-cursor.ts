/**
 * Per room, the client's sync cursor: the id up to which it is sure to hold every message (the
 * server's `safeId` from a join or sync reply: all those ids were committed before the reply was
 * read). Live messages never move it (a live message says nothing about the ones before it), so
 * a gap left by a Redis outage, a dead instance or a missed resync signal is always below or after
 * the cursor, and a sync from it (room:sync) fills it.
 * A `room:head {lastId, safeId}` means "maybe behind" when the newest message is not held, or,
 * at most every `fullCheckEveryMs`, when settled messages lie past the cursor (a gap hidden under
 * a newer message that did arrive).
 */
export class SyncCursors {
  private readonly cursor = new Map<number, number>();
  private readonly lastSync = new Map<number, number>();
  private readonly syncing = new Set<number>();

  constructor(
    private readonly now: () => number,
    private readonly fullCheckEveryMs = 30_000,
  ) {}

  get(roomId: number): number | undefined {
    return this.cursor.get(roomId);
  }

  advance(roomId: number, safeId: unknown): void {
    if (typeof safeId !== 'number' || !Number.isFinite(safeId)) return;
    this.cursor.set(roomId, Math.max(this.cursor.get(roomId) ?? 0, safeId));
    this.lastSync.set(roomId, this.now());
  }

  behind(roomId: number, head: { lastId: number; safeId: number }, holds: (id: number) => boolean): boolean {
    const cursor = this.cursor.get(roomId);
    if (cursor === undefined || this.syncing.has(roomId) || head.lastId <= cursor) return false;
    if (!holds(head.lastId)) return true;
    return head.safeId > cursor && this.now() - (this.lastSync.get(roomId) ?? 0) >= this.fullCheckEveryMs;
  }

  async run(roomId: number, sync: () => Promise<unknown>): Promise<void> {
    this.syncing.add(roomId);
    try {
      await sync();
    } finally {
      this.syncing.delete(roomId);
    }
  }
}

/**
 * Who is typing in a room. Typing events are volatile (never stored, may be dropped), so an
 * entry expires on its own after `ttlMs` without a fresh event, and a user's message clears it.
 */
export class TypingTracker {
  private readonly until = new Map<string, number>();

  constructor(private readonly ttlMs = 3_000) {}

  typing(username: string, now: number): void {
    this.until.set(username, now + this.ttlMs);
  }

  stopped(username: string): void {
    this.until.delete(username);
  }

  active(now: number): string[] {
    for (const [name, until] of this.until) if (until <= now) this.until.delete(name);
    return [...this.until.keys()].sort();
  }
}

/** "alice is typing…", "alice and bob are typing…", "3 people are typing…". */
export function typingText(names: readonly string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}

/** Sends at most one typing event per interval while the user keeps typing. */
export function createTypingThrottle(send: () => void, intervalMs = 1_500): (now: number) => void {
  let last = -Infinity;
  return (now) => {
    if (now - last < intervalMs) return;
    last = now;
    send();
  };
}

import type { ChatMessage } from './chat-types.js';

/**
 * The room's messages in order, with no duplicates. The same message can arrive up to three
 * times — the live broadcast, our own send acknowledgement, and a history page fetched after a
 * reconnect — so every path goes through mergeMessages, keyed on the server id.
 */
export function mergeMessages(existing: readonly ChatMessage[], incoming: readonly ChatMessage[]): ChatMessage[] {
  if (incoming.length === 0) return existing as ChatMessage[];
  const confirmed = new Map<number, ChatMessage>();
  const pending: ChatMessage[] = [];
  for (const m of [...existing, ...incoming]) {
    if (m.state) pending.push(m);
    else confirmed.set(m.id, m);
  }
  const sorted = [...confirmed.values()].sort((a, b) => a.id - b.id);
  // Our unsent messages stay at the bottom until acknowledged (then they are replaced, see acknowledge).
  return [...sorted, ...pending.filter((p, i, all) => all.findIndex((q) => q.clientId === p.clientId) === i)];
}

/** Replaces a pending message with the stored one from the server's acknowledgement. */
export function acknowledge(messages: readonly ChatMessage[], clientId: string, stored: ChatMessage): ChatMessage[] {
  return mergeMessages(
    messages.filter((m) => m.clientId !== clientId || !m.state),
    [{ ...stored, state: undefined }],
  );
}

export function markFailed(messages: readonly ChatMessage[], clientId: string): ChatMessage[] {
  return messages.map((m) => (m.clientId === clientId && m.state ? { ...m, state: 'failed' } : m));
}

/** The newest id the server has confirmed (the reconnect cursor), or null for an empty room. */
export function lastConfirmedId(messages: readonly ChatMessage[]): number | null {
  for (let i = messages.length - 1; i >= 0; i--) if (!messages[i].state) return messages[i].id;
  return null;
}

/**
 * The resync cursor after a server-side delivery outage: the newest confirmed id created before
 * `cutoffMs` (messages after it may have missed this instance), 0 if none is that old, or null
 * for an empty room.
 */
export function lastConfirmedIdBefore(messages: readonly ChatMessage[], cutoffMs: number): number | null {
  if (!messages.some((m) => !m.state)) return null;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!m.state && Date.parse(m.createdAt) < cutoffMs) return m.id;
  }
  return 0;
}

/** The oldest confirmed id (the scroll-back cursor), or null. */
export function oldestConfirmedId(messages: readonly ChatMessage[]): number | null {
  const first = messages.find((m) => !m.state);
  return first ? first.id : null;
}

export type HistoryPage = (query: { before?: number; limit: number }) => Promise<ChatMessage[]>;

/**
 * After a reconnect: fetch everything newer than `afterId` by paging back from the newest
 * message with the `before` cursor until we reach a message we already had. Bounded by
 * maxPages so a client away for days does not pull the whole room (it then shows the newest
 * pages and scroll-back fetches the rest).
 */
export async function fetchMissed(page: HistoryPage, afterId: number | null, limit = 50, maxPages = 10): Promise<{ messages: ChatMessage[]; complete: boolean }> {
  const collected: ChatMessage[] = [];
  let before: number | undefined;
  for (let i = 0; i < maxPages; i++) {
    const batch = await page({ before, limit });
    if (batch.length === 0) return { messages: collected, complete: true };
    const newer = afterId === null ? batch : batch.filter((m) => m.id > afterId);
    collected.push(...newer);
    if (afterId === null || newer.length < batch.length || batch.length < limit) return { messages: collected, complete: true };
    before = Math.min(...batch.map((m) => m.id));
  }
  return { messages: collected, complete: false };
}

// What the chat probe reports (chat-probe.ts): per (acked message, other member), how the member
// got it: live, recovered from history (join/sync replay), or not at all (lost); and duplicates
// shown (a member holding two stored ids for one sent message).

export interface ChatFigures {
  clients: number;
  disconnects: number;
  reconnects: number;
  reconnectP99Ms?: number;
  reconnectMaxMs?: number;
  /** Clients not connected when measured. */
  notConnected: number;
  sent: number;
  acked: number;
  sendFailures: number;
  /** Sends repeated with the same client id after a missing ack. */
  resends: number;
  /** (acked message, other member) pairs: first received live, recovered from history (join/sync), never. */
  deliveredLive: number;
  recovered: number;
  lost: number;
  /** (member, sent message) pairs where the member holds more than one stored id for the message. */
  duplicatesShown: number;
  /** First delivery, after `since`, of a message sent after `since`; ms from `since`. */
  resumeMs?: number;
}

/** A member's view: message id -> how it first arrived; body -> stored ids held for it. */
export interface MemberView {
  n: number;
  held: ReadonlyMap<number, 'live' | 'history' | 'own'>;
  byBody: ReadonlyMap<string, ReadonlySet<number>>;
}

export function deliveryFigures(acked: ReadonlyMap<number, number>, members: readonly MemberView[]): Pick<ChatFigures, 'deliveredLive' | 'recovered' | 'lost' | 'duplicatesShown'> {
  let lost = 0;
  let deliveredLive = 0;
  let recovered = 0;
  for (const [id, sender] of acked) {
    for (const c of members) {
      if (c.n === sender) continue;
      const path = c.held.get(id);
      if (path === 'live') deliveredLive += 1;
      else if (path === 'history') recovered += 1;
      else if (path === undefined) lost += 1;
    }
  }
  let duplicatesShown = 0;
  for (const c of members) for (const ids of c.byBody.values()) if (ids.size > 1) duplicatesShown += 1;
  return { deliveredLive, recovered, lost, duplicatesShown };
}

/** Wire shapes of the chat API (socket events and REST). */
export interface ChatRoomView {
  id: number;
  name: string;
  createdAt: string;
  joined: boolean;
}

export interface ChatMessageView {
  id: number;
  roomId: number;
  body: string;
  author: { id: number; username: string };
  createdAt: string;
}

export interface PresenceUser {
  id: number;
  username: string;
}

/** Every socket acknowledgement: `{ ok: true, ... }` or `{ ok: false, code, errors }` (RealWorld field errors). */
export type ChatAck<T extends object = object> =
  | ({ ok: true } & T)
  | { ok: false; code: ChatErrorCode; errors: Record<string, string[]> };

export type ChatErrorCode = 'invalid' | 'unauthorized' | 'not_found' | 'forbidden' | 'rate_limited' | 'unavailable' | 'conflict' | 'internal';

/** Rule violations raised by ChatService; the gateway turns them into error acks, the controller into HTTP errors. */
export class ChatError extends Error {
  constructor(readonly code: ChatErrorCode, readonly errors: Record<string, string[]>) {
    super(code);
  }
}

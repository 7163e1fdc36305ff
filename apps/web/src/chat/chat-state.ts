import type { ChatMessage, ChatRoom, ConnectionStatus } from './chat-types.js';

/** The part of socket.io-client's Socket this client uses (a fake implements it in tests). */
export interface ChatSocket {
  readonly active: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each listener declares its own argument types
  on(event: string, listener: (...args: any[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
  connect(): unknown;
  disconnect(): unknown;
}

export interface RoomState {
  messages: ChatMessage[];
  presence: string[];
  typing: string[];
  /** False once scroll-back reached the first message of the room. */
  hasOlder: boolean;
  loadingOlder: boolean;
  joined: boolean;
  error: string | null;
}

export interface ChatState {
  status: ConnectionStatus;
  /** Why we are offline or reconnecting (refused token, server gone...). */
  detail: string | null;
  /** Messages fetched from history after the last reconnect (shown so a user knows none were lost). */
  recovered: number;
  rooms: ChatRoom[];
  byRoom: Record<number, RoomState>;
}

import { useEffect, useState, useSyncExternalStore } from 'react';
import { io } from 'socket.io-client';
import { ApiError } from '../api/api-error.js';
import { useAuth, useServices } from '../app-context.js';
import { ChatClient, type ChatState } from './chat-client.js';
import { CHAT_NAMESPACE, toChatMessage } from './chat-protocol.js';
import type { ChatMessage } from './chat-types.js';

const HISTORY_TIMEOUT_MS = 10_000;

/** History over REST: GET /api/chat/rooms/:id/messages?before=&limit= (newest first). */
async function fetchHistory(token: string, roomId: number, query: { before?: number; limit: number }): Promise<ChatMessage[]> {
  const params = new URLSearchParams({ limit: String(query.limit) });
  if (query.before !== undefined) params.set('before', String(query.before));
  const response = await fetch(`/api/chat/rooms/${roomId}/messages?${params}`, {
    headers: { authorization: `Token ${token}`, accept: 'application/json' },
    signal: AbortSignal.timeout(HISTORY_TIMEOUT_MS),
  });
  const body = (await response.json().catch(() => ({}))) as { messages?: unknown[]; errors?: Record<string, string[]> };
  if (!response.ok) throw new ApiError(response.status, body.errors ?? { history: [`answered ${response.status}`] });
  return (Array.isArray(body) ? body : (body.messages ?? [])).map(toChatMessage);
}

/** One chat connection per signed-in session, same origin (/socket.io), JWT in the handshake. */
export function useChatClient(): ChatClient | null {
  const auth = useAuth();
  const { auth: store } = useServices();
  const [client, setClient] = useState<ChatClient | null>(null);
  const username = auth.status === 'signed-in' ? auth.user.username : null;

  useEffect(() => {
    const token = store.token();
    if (!username || !token) return;
    const socket = io(CHAT_NAMESPACE, {
      path: '/socket.io',
      auth: { token },
      // WebSocket first (no sticky session needed); long-polling only if WebSocket is blocked
      // (then the load balancer's io_srv cookie keeps the session on one instance).
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5_000,
      timeout: 10_000,
    });
    const chat = new ChatClient({ socket, me: username, history: (roomId, q) => fetchHistory(token, roomId, q) });
    setClient(chat);
    return () => {
      chat.close();
      setClient(null);
    };
  }, [username, store]);
  return client;
}

const offline: ChatState = { status: 'offline', detail: 'sign in to chat', recovered: 0, rooms: [], byRoom: {} };
const noop = () => () => undefined;

export function useChatState(client: ChatClient | null): ChatState {
  return useSyncExternalStore(client ? client.subscribe : noop, client ? client.getState : () => offline, () => offline);
}

/** What the web app keeps of a chat message (numeric ids: chat_messages.id is a serial). */
export interface ChatMessage {
  id: number;
  roomId: number;
  body: string;
  createdAt: string;
  author: { username: string; image: string | null };
  /** Set on our own messages until the server's acknowledgement gives them an id. */
  clientId?: string;
  state?: 'pending' | 'failed';
}

export interface ChatRoom {
  id: number;
  name: string;
  joined?: boolean;
}

export type ConnectionStatus = 'connecting' | 'online' | 'reconnecting' | 'offline';

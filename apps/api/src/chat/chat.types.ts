import type { ChatErrorCode } from '@conduit/contracts';

// The wire shapes live with the protocol in libs/contracts (shared with the web app and load tests).
export type { ChatAck, ChatErrorCode, ChatMessageView, ChatRoomView, PresenceUser } from '@conduit/contracts';

/** Rule violations raised by ChatService; the gateway turns them into error acks, the controller into HTTP errors. */
export class ChatError extends Error {
  constructor(
    readonly code: ChatErrorCode,
    readonly errors: Record<string, string[]>,
  ) {
    super(code);
  }
}

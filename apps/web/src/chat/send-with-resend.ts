import { CHAT_EVENTS, unwrapAck } from './chat-protocol.js';

interface AckSocket {
  timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
}

/**
 * `message:send` with a resend when the ack is lost. Only a missing ack (socket.io-client's
 * "operation has timed out") is retried: the message may be stored already, and the same client id
 * makes the server answer with the stored one instead of storing a twin. A refusal is final.
 */
export async function sendWithResend(socket: AckSocket, ackTimeoutMs: number, payload: { roomId: number; body: string; clientId: string }, attempts = 2): Promise<{ message?: unknown; id?: unknown }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return unwrapAck<{ message?: unknown; id?: unknown }>(await socket.timeout(ackTimeoutMs).emitWithAck(CHAT_EVENTS.send, payload));
    } catch (error) {
      if (attempt >= attempts || !/timed out/.test((error as Error).message)) throw error;
    }
  }
}

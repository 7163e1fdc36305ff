import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { CHAT_EVENTS } from '@conduit/contracts';
import type { Namespace } from 'socket.io';
import { ChatService } from './chat.service.js';

/**
 * Pattern: periodic sequence check ("anti-entropy") for chat delivery.
 * Protects against: a message acknowledged and stored but never delivered live to some member (the
 * Redis adapter was down or frozen, an instance died between commit and broadcast, a resync signal
 * was missed) and never recovered because nothing told the client it was missing.
 * How: every CHAT_ROOM_HEAD_INTERVAL_MS each instance reads, for the rooms its own sockets are in,
 * the newest stored id (one statement, chat_messages_room_id_idx) and emits `room:head` to those
 * sockets only (nsp.local: no Redis involved, so it works during the outage it exists for). A
 * client whose sync cursor is below it asks `room:sync` and merges by id. A missed head is
 * harmless: the next one carries the same information.
 * Tested in apps/api/test/chat/chat-room-heads.spec.ts; measured by the resilience suite's Redis-outage scenario.
 */
@Injectable()
export class ChatRoomHeads {
  private readonly logger = new Logger('ChatRoomHeads');
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly chat: ChatService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  start(nsp: Namespace): void {
    if (this.config.CHAT_ROOM_HEAD_INTERVAL_MS === 0) return;
    this.timer = setInterval(() => void this.announce(nsp), this.config.CHAT_ROOM_HEAD_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One round: heads of the rooms with local sockets, each sent to that room's local sockets. */
  async announce(nsp: Namespace): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const roomIds: number[] = [];
      for (const [key, sockets] of nsp.adapter.rooms) if (key.startsWith('room:') && sockets.size > 0) roomIds.push(Number(key.slice(5)));
      if (roomIds.length === 0) return;
      for (const head of await this.chat.heads(roomIds)) {
        if (head.lastId !== null) nsp.local.to(`room:${head.roomId}`).emit(CHAT_EVENTS.head, { roomId: head.roomId, lastId: head.lastId, safeId: head.safeId });
      }
    } catch (error) {
      this.logger.warn(`room heads not sent: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}

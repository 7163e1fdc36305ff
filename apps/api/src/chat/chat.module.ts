import { Module } from '@nestjs/common';
import { ChatMessageWriter } from './chat-message.writer.js';
import { ChatPresenceService } from './chat-presence.service.js';
import { ChatSocketGuard } from './chat-socket.guard.js';
import { ChatController } from './chat.controller.js';
import { ChatGateway } from './chat.gateway.js';
import { ChatRepository } from './chat.repository.js';
import { ChatService } from './chat.service.js';
import { ChatRoomHeads } from './chat-room-heads.js';

/** Realtime chat: Socket.IO gateway on /chat (server set up by ChatIoAdapter) + REST history. */
@Module({
  controllers: [ChatController],
  providers: [ChatGateway, ChatService, ChatRepository, ChatMessageWriter, ChatPresenceService, ChatSocketGuard, ChatRoomHeads],
})
export class ChatModule {}

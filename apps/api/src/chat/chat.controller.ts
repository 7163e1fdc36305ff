import { Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser } from '../auth/auth.decorators.js';
import type { AuthUser } from '@conduit/contracts';
import { ApiError } from '../common/api-errors.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { ValidBody, ValidQuery } from '../common/validated-params.js';
import { ApiDocs } from '../docs/api-docs.decorators.js';
import { createRoomBody, historyQuery, roomIdParam, type CreateRoomBody, type HistoryQuery } from './chat.schemas.js';
import { ChatService } from './chat.service.js';
import { ChatError, type ChatMessageView, type ChatRoomView } from './chat.types.js';

const STATUS: Record<ChatError['code'], number> = {
  invalid: 422,
  conflict: 422,
  unauthorized: 401,
  not_found: 404,
  forbidden: 403,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** REST side of chat (token required): rooms and paginated history. Members only for history. */
@ApiTags('Chat')
@Controller('chat')
export class ChatController {
  constructor(private readonly chat: ChatService) {}

  @Get('rooms')
  @ApiDocs({ operationId: 'ListChatRooms', summary: 'Chat rooms (events: docs/chat-events.md)', auth: 'required', status: 200 })
  async rooms(@CurrentUser() user: AuthUser): Promise<{ rooms: ChatRoomView[] }> {
    return { rooms: await this.chat.listRooms(user) };
  }

  @Post('rooms')
  @HttpCode(201)
  @ApiDocs({ operationId: 'CreateChatRoom', summary: 'Create a chat room', auth: 'required', status: 201, errors: [422] })
  async createRoom(@CurrentUser() user: AuthUser, @ValidBody(createRoomBody) body: CreateRoomBody): Promise<{ room: ChatRoomView }> {
    return { room: await rest(this.chat.createRoom(user, body.room.name)) };
  }

  /**
   * Cursor pagination, newest first: pass `nextBefore` back as `before` for the next page.
   * Caching: messages are append-only (never edited or deleted), so a page below a `before`
   * cursor never changes: the browser may keep it (private: it is per-member data). The newest
   * page changes with every message (~20/s per busy room in the benchmark), so a server-side
   * cache would be invalidated faster than it is read: it is not cached. Test: chat-gateway.e2e.spec.ts.
   */
  @Get('rooms/:id/messages')
  @ApiDocs({ operationId: 'GetChatMessages', summary: 'Chat history, newest first (cursor: before)', auth: 'required', status: 200, errors: [403, 404, 422] })
  async messages(
    @CurrentUser() user: AuthUser,
    @Param('id', new ZodValidationPipe(roomIdParam)) roomId: number,
    @ValidQuery(historyQuery) query: HistoryQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ messages: ChatMessageView[]; nextBefore: number | null }> {
    const page = await rest(this.chat.history(user, roomId, query));
    reply.header('cache-control', query.before !== undefined ? 'private, max-age=3600, immutable' : 'private, no-cache');
    return page;
  }
}

async function rest<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof ChatError) throw new ApiError(STATUS[error.code], error.errors);
    throw error;
  }
}

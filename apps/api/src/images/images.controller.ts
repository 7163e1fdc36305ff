import { Controller, Get, HttpCode, HttpStatus, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentUser, Public } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/token.service.js';
import { ApiError } from '../common/api-errors.js';
import { ImageUploadService } from './image-upload.service.js';

@Controller()
export class ImagesController {
  constructor(private readonly images: ImageUploadService) {}

  /** multipart/form-data with one file field `image`; 202: the worker resizes it. */
  @Post('user/image')
  @HttpCode(HttpStatus.ACCEPTED)
  async upload(@CurrentUser() user: AuthUser, @Req() request: FastifyRequest) {
    if (!request.isMultipart()) {
      throw new ApiError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, { body: ['must be multipart/form-data with an "image" file'] });
    }
    return { upload: await this.images.accept(user.id, await request.file()) };
  }

  @Public()
  @Get('images/:file')
  async serve(@Param('file') file: string, @Res() reply: FastifyReply) {
    const { stream, size } = await this.images.open(file);
    // Names are content ids (a new upload gets a new name): cache forever. CORP lets the web
    // app on another origin show them.
    return reply
      .header('content-type', 'image/webp')
      .header('content-length', size)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('cross-origin-resource-policy', 'cross-origin')
      .send(stream);
  }
}

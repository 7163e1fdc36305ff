import { Controller, Get, HttpCode, HttpStatus, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentUser, Public } from '../auth/auth.decorators.js';
import type { AuthUser } from '@conduit/contracts';
import { ApiError } from '../common/api-errors.js';
import { ImageUploadService } from './image-upload.service.js';
import { ApiDocs } from '../docs/api-docs.decorators.js';

@ApiTags('Images')
@Controller()
export class ImagesController {
  constructor(private readonly images: ImageUploadService) {}

  /** multipart/form-data with one file field `image`; 202: the worker resizes it. */
  @Post('user/image')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', required: ['image'], properties: { image: { type: 'string', format: 'binary' } } } })
  @ApiDocs({ operationId: 'UploadUserImage', summary: 'Upload a profile image (the worker resizes it)', auth: 'required', status: 202, description: 'Accepted', errors: [413, 415, 422] })
  async upload(@CurrentUser() user: AuthUser, @Req() request: FastifyRequest) {
    if (!request.isMultipart()) {
      throw new ApiError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, { body: ['must be multipart/form-data with an "image" file'] });
    }
    return { upload: await this.images.accept(user.id, await request.file()) };
  }

  @Public()
  @Get('images/:file')
  @ApiDocs({ operationId: 'GetImage', summary: 'A resized image (immutable, cache forever)', auth: 'none', status: 200, description: 'The image (Content-Type: image/webp)', errors: [404] })
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

import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { newUploadId, originalImageKey, processImageJob, resizedImageKey, RESIZED_IMAGE_FILE } from '@conduit/queue';
import { FILE_STORAGE, type FileStorage } from '@conduit/storage';
import type { MultipartFile } from '@fastify/multipart';
import type { Readable } from 'node:stream';
import { ApiError, notFound, validationError } from '../common/api-errors.js';
import { JobOutboxRepository } from '../jobs/job-outbox.repository.js';
import { ACCEPTED_IMAGE_TYPES, sniffImageType } from './image-type.js';

const unsupported = () => new ApiError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, { image: ['must be a PNG, JPEG or WebP image'] });

/**
 * Image uploads: validate, store the original, enqueue the resize job, answer 202 at once.
 * Resizing (CPU-heavy) happens in apps/worker; the user's image changes when it is done.
 * Test: apps/worker/test/image.e2e.spec.ts.
 */
@Injectable()
export class ImageUploadService {
  constructor(
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    private readonly outbox: JobOutboxRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async accept(userId: number, part: MultipartFile | undefined): Promise<{ id: string; status: 'queued' }> {
    if (!part) throw validationError({ image: ["can't be blank"] });
    if (part.fieldname !== 'image') throw validationError({ [part.fieldname]: ['is not an allowed field'] });
    for (const name of Object.keys(part.fields)) {
      if (name !== 'image') throw validationError({ [name]: ['is not an allowed field'] });
    }
    const declared = ACCEPTED_IMAGE_TYPES[part.mimetype];
    if (!declared) throw unsupported();
    let data: Buffer;
    try {
      // At most UPLOAD_MAX_BYTES are buffered: the multipart limit aborts past it.
      data = await part.toBuffer();
    } catch (error) {
      if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
        throw new ApiError(HttpStatus.PAYLOAD_TOO_LARGE, { image: [`is too large (maximum is ${this.config.UPLOAD_MAX_BYTES} bytes)`] });
      }
      throw error;
    }
    if (data.length === 0) throw validationError({ image: ["can't be blank"] });
    // Never trust the declared type: the bytes must be that kind of image.
    if (sniffImageType(data) !== declared) throw unsupported();

    const uploadId = newUploadId();
    const key = originalImageKey(uploadId, declared);
    await this.storage.put(key, data);
    try {
      await this.outbox.add(processImageJob({ userId, uploadId, ext: declared }));
    } catch (error) {
      await this.storage.delete(key).catch(() => {});
      throw error;
    }
    return { id: uploadId, status: 'queued' };
  }

  /** A resized image for GET /api/images/:file; only names the worker produces are looked up. */
  async open(file: string): Promise<{ stream: Readable; size: number }> {
    if (!RESIZED_IMAGE_FILE.test(file)) throw notFound('image');
    const found = await this.storage.open(resizedImageKey(file));
    if (!found) throw notFound('image');
    return found;
  }
}

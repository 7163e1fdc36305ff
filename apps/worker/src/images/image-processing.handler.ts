import { Inject, Injectable } from '@nestjs/common';
import type { WorkerConfig } from '@conduit/config';
import { JOBS, originalImageKey, resizedImageFile, resizedImageKey, resizedImageUrl, type ProcessImagePayload } from '@conduit/queue';
import { FILE_STORAGE, type FileStorage } from '@conduit/storage';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import sharp from 'sharp';
import { WORKER_CONFIG, WORKER_LOGGER } from '../infra/tokens.js';
import type { JobHandler } from '../jobs/job-handler.js';
import { ProfileCacheInvalidator } from './profile-cache.invalidator.js';
import { UserImageRepository } from './user-image.repository.js';

/**
 * Resizes an uploaded image (CPU-heavy work kept out of the API) into square WebP versions
 * (IMAGE_SIZES), points user.image at the largest, then deletes the original.
 * Idempotent: files are written under deterministic names (rewriting them is harmless) and the
 * user update sets the same URL; a rerun after the original was deleted only re-applies the URL.
 * Ordered: an older upload finishing after a newer one never replaces it (UUIDv7 upload ids).
 * Undecodable images and decompression bombs (IMAGE_MAX_INPUT_PIXELS) fail without retries.
 * Test: apps/worker/test/image.e2e.spec.ts.
 */
@Injectable()
export class ImageProcessingHandler implements JobHandler<typeof JOBS.processImage> {
  readonly jobName = JOBS.processImage;

  constructor(
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    private readonly users: UserImageRepository,
    private readonly profileCache: ProfileCacheInvalidator,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: Logger,
  ) {}

  async handle({ userId, uploadId, ext }: ProcessImagePayload, job: Job): Promise<{ image: string; sizes: number[] }> {
    const sizes = this.config.IMAGE_SIZES;
    const url = resizedImageUrl(uploadId, sizes[sizes.length - 1]);
    const original = await this.storage.read(originalImageKey(uploadId, ext));
    if (!original) {
      // A rerun after success deleted the original: fine if every version exists.
      for (const size of sizes) {
        const file = await this.storage.open(resizedImageKey(resizedImageFile(uploadId, size)));
        if (!file) throw new UnrecoverableError(`upload ${uploadId} not found in storage`);
        file.stream.destroy();
      }
    } else {
      for (const size of sizes) {
        await this.storage.put(resizedImageKey(resizedImageFile(uploadId, size)), await this.resize(original, size));
      }
    }
    if (await this.users.setImage(userId, url, uploadId)) {
      await this.profileCache.profileChanged();
    } else {
      this.logger.info({ jobId: job.id, userId }, 'image not applied: user deleted or a newer upload already applied');
    }
    if (original) await this.storage.delete(originalImageKey(uploadId, ext));
    return { image: url, sizes };
  }

  private async resize(input: Buffer, size: number): Promise<Buffer> {
    try {
      return await sharp(input, { limitInputPixels: this.config.IMAGE_MAX_INPUT_PIXELS, failOn: 'error' })
        .rotate() // honour EXIF orientation, then strip metadata (sharp drops it by default)
        .resize(size, size, { fit: 'cover' })
        .webp({ quality: 82 })
        .toBuffer();
    } catch (error) {
      // sharp rejects corrupt, unsupported or oversized input: retrying cannot help.
      throw new UnrecoverableError(`cannot process image: ${(error as Error).message}`);
    }
  }
}

import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { FILE_STORAGE, LocalFileStorage } from '@conduit/storage';
import { ImageUploadService } from './image-upload.service.js';
import { ImagesController } from './images.controller.js';

@Module({
  controllers: [ImagesController],
  providers: [
    ImageUploadService,
    // Local directory by default; an object-store FileStorage can be provided here instead.
    { provide: FILE_STORAGE, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new LocalFileStorage(config.STORAGE_DIR) },
  ],
})
export class ImagesModule {}

import { Module } from '@nestjs/common';
import { ProfileRepository } from './profile.repository.js';
import { ProfilesController } from './profiles.controller.js';
import { ProfilesService } from './profiles.service.js';
import { ProfileCache } from './profile.cache.js';

@Module({
  controllers: [ProfilesController],
  providers: [ProfilesService, ProfileRepository, ProfileCache],
  exports: [ProfilesService],
})
export class ProfilesModule {}

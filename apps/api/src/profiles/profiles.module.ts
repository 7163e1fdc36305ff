import { Module } from '@nestjs/common';
import { ProfileRepository } from './profile.repository.js';
import { ProfilesController } from './profiles.controller.js';
import { ProfilesService } from './profiles.service.js';

@Module({
  controllers: [ProfilesController],
  providers: [ProfilesService, ProfileRepository],
  exports: [ProfilesService, ProfileRepository],
})
export class ProfilesModule {}

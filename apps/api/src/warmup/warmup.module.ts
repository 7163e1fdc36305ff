import { Module } from '@nestjs/common';
import { ArticlesModule } from '../articles/articles.module.js';
import { ProfilesModule } from '../profiles/profiles.module.js';
import { TagsModule } from '../tags/tags.module.js';
import { HotStatements } from './hot-statements.js';
import { WarmupState } from './warmup-state.js';

@Module({
  imports: [ArticlesModule, ProfilesModule, TagsModule],
  providers: [HotStatements, WarmupState],
  exports: [WarmupState],
})
export class WarmupModule {}

import { Injectable } from '@nestjs/common';
import { TagRepository } from './tag.repository.js';

/** The spec returns one unpaginated list: the cap bounds the response on a huge tag set. */
export const MAX_TAGS_PER_RESPONSE = 1_000;

@Injectable()
export class TagsService {
  constructor(private readonly tags: TagRepository) {}

  /** Shared by every viewer (cacheable as is). */
  loadTags(): Promise<string[]> {
    return this.tags.inUse(MAX_TAGS_PER_RESPONSE);
  }
}

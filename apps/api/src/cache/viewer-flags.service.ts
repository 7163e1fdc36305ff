import { Injectable } from '@nestjs/common';
import type { ViewerFlags } from '../articles/article.types.js';
import { ViewerRelationsRepository } from './viewer-relations.repository.js';

/**
 * Signed-in viewers' flags for the reads that are not cached per page (the feed, the article a
 * write answers with), and the statements the warm-up prepares; the cached reads get theirs from
 * ViewerOverlayCache. Other modules use this service, never the repository.
 */
@Injectable()
export class ViewerFlagsService {
  constructor(private readonly relations: ViewerRelationsRepository) {}

  /** Which of these authors the viewer follows and which of these articles they favorited: one page-bounded statement. */
  among(viewerId: number, authorIds: readonly number[], articleIds: readonly number[]): Promise<ViewerFlags> {
    return this.relations.among(viewerId, authorIds, articleIds);
  }

  /** Runs the statement behind a viewer's cached relations entry (warm-up: prepares it on a connection). */
  async prepareRelations(viewerId: number): Promise<void> {
    await this.relations.load(viewerId);
  }
}

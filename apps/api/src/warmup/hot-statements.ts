import { Injectable } from '@nestjs/common';
import { ArticleReadService } from '../articles/article-read.service.js';
import { ViewerFlagsService } from '../cache/viewer-flags.service.js';
import { ProfilesService } from '../profiles/profiles.service.js';
import { TagsService } from '../tags/tags.service.js';
import type { WarmupSample } from './warmup-plan.js';

/** What the statement pass found: names for the request pass, and a reader for the signed-in routes. */
export interface HotSample extends WarmupSample {
  viewer?: { id: number; username: string };
}

/**
 * Each hot read statement of the request path, run through the modules' uncached read methods:
 * the API reads through the cache, so on a stack whose Redis is already warm an instance's own
 * requests would never reach PostgreSQL, and its first cache miss would pay for parsing and
 * planning on each connection (statements are named and prepared per connection: common/sql.ts).
 * Reads only.
 */
@Injectable()
export class HotStatements {
  constructor(
    private readonly articles: ArticleReadService,
    private readonly profiles: ProfilesService,
    private readonly tags: TagsService,
    private readonly viewerFlags: ViewerFlagsService,
  ) {}

  /** The first page (the list statement itself) and the names it holds. */
  async sample(): Promise<HotSample> {
    const page = await this.articles.loadArticlePage({ limit: 20, offset: 0 });
    const slugs = page.items.map((a) => a.slug);
    const authors = [...new Set(page.items.map((a) => a.author.username))];
    const tags = [...new Set(page.items.flatMap((a) => a.tagList))];
    const profile = authors[0] ? await this.profiles.loadProfile(authors[0]) : undefined;
    return { slugs, authors, tags, viewer: profile ? { id: profile.id, username: profile.username } : undefined };
  }

  /** Every hot statement once, concurrently (so they spread over the pool's open connections). */
  async runAll(s: HotSample): Promise<number> {
    const slug = s.slugs[0] ?? 'warmup';
    const author = s.authors[0] ?? 'warmup';
    const tag = s.tags[0] ?? 'warmup';
    const window = { limit: 10, offset: 0 };
    const work: Array<Promise<unknown>> = [
      this.articles.loadArticlePage({ ...window, offset: 10 }),
      this.articles.loadArticlePage({ ...window, tag }),
      this.articles.loadArticlePage({ ...window, author }),
      this.articles.loadArticlePage({ ...window, favorited: author }),
      this.articles.loadArticle(slug),
      this.tags.loadTags(),
      // A missing profile is a 404 to the API, and still one statement run.
      this.profiles.loadProfile(author).catch(() => undefined),
    ];
    if (s.viewer) {
      const v = s.viewer.id;
      const page = await this.articles.loadArticlePage(window);
      work.push(this.articles.loadFeedPage(v, window), this.articles.viewerFlags(v, page.items), this.viewerFlags.prepareRelations(v));
    }
    await Promise.all(work);
    return work.length;
  }
}

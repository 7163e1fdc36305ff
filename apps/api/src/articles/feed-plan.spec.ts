import { describe, expect, it } from 'vitest';
import { FEED_WALK_CAP } from './article-list.sql.js';
import { chooseFeedPlan } from './feed-plan.js';

const page = { limit: 20, offset: 0 };
const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('chooseFeedPlan (the feed plan by cost)', () => {
  it('merges the per-author ranges for a reader of a few authors', () => {
    expect(chooseFeedPlan({ authorIds: ids(5), followedArticles: 40, totalArticles: 1_000_000 }, page)).toMatchObject({ kind: 'feed-merge', total: 40 });
  });

  it('merges for a reader of ten authors with a twentieth of all articles (the newest come from whoever writes now)', () => {
    // Measured after a release-gate run: the walk read 2,474 entries (2,138 buffers) for this page,
    // the merge 139 entries (126 buffers).
    expect(chooseFeedPlan({ authorIds: ids(10), followedArticles: 606, totalArticles: 12_243 }, page).kind).toBe('feed-merge');
  });

  it('walks the global time index for a reader of thousands whose authors wrote a large share', () => {
    expect(chooseFeedPlan({ authorIds: ids(2_000), followedArticles: 300_000, totalArticles: 1_000_000 }, page)).toMatchObject({ kind: 'feed-walk', total: 300_000 });
  });

  it('walks deep pages of a dense reader, never when the expected walk would not fit inside its cap', () => {
    const sparse = { authorIds: ids(2_000), followedArticles: 50, totalArticles: 1_000_000 };
    expect(chooseFeedPlan(sparse, page).kind).toBe('feed-merge');
    const dense = { authorIds: ids(2_000), followedArticles: 300_000, totalArticles: 1_000_000 };
    expect(chooseFeedPlan(dense, { limit: 20, offset: 10_000 }).kind).toBe('feed-walk');
    expect(chooseFeedPlan({ ...dense, followedArticles: 100_000 }, { limit: 20, offset: FEED_WALK_CAP / 2 }).kind).toBe('feed-merge');
  });

  it('merges (nothing to walk for) when the followed authors wrote nothing', () => {
    expect(chooseFeedPlan({ authorIds: ids(3_000), followedArticles: 0, totalArticles: 1_000_000 }, page).kind).toBe('feed-merge');
  });
});

import { useCallback } from 'react';
import type { ArticleListItem } from '@conduit/contracts';
import { useApi } from '../app-context.js';
import { useOptimisticToggle } from '../ui/optimistic-toggle.js';
import { ToggleButton } from '../ui/toggle-button.js';

function Heart() {
  return (
    <svg aria-hidden="true" focusable="false" width="12" height="12" viewBox="0 0 24 24" className="heart">
      <path fill="currentColor" d="M12 21s-7.5-4.6-10-9.3C.4 8.4 2.3 4 6.3 4c2.3 0 3.8 1.3 5.7 3.4C13.9 5.3 15.4 4 17.7 4c4 0 5.9 4.4 4.3 7.7C19.5 16.4 12 21 12 21z" />
    </svg>
  );
}

/** Heart + count; flips at once, settles on the server's answer, rolls back on failure. */
export function FavoriteButton({ article, compact = false }: { article: ArticleListItem; compact?: boolean }) {
  const api = useApi();
  const commit = useCallback(
    async (on: boolean) => {
      const { article: saved } = on ? await api.favorite(article.slug) : await api.unfavorite(article.slug);
      return { on: saved.favorited, count: saved.favoritesCount };
    },
    [api, article.slug],
  );
  const fav = useOptimisticToggle(article.favorited, article.favoritesCount, commit);
  const verb = fav.on ? 'Unfavorite' : 'Favorite';
  return (
    <ToggleButton toggle={fav} className={fav.on ? 'btn btn-sm btn-primary' : 'btn btn-sm btn-outline-primary'} testId="favorite-button">
      <Heart />
      {/* The accessible name holds the visible text (WCAG 2.5.3 label in name) plus what it acts on. */}
      {compact ? (
        <>
          <span className="visually-hidden">
            {verb} "{article.title}", favorites:{' '}
          </span>
          {fav.count}
        </>
      ) : (
        `${verb} (${fav.count})`
      )}
    </ToggleButton>
  );
}

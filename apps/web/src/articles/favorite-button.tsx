import { useCallback } from 'react';
import type { ArticleListItem } from '@conduit/contracts';
import { useApi, useAuth } from '../app-context.js';
import { navigate } from '../router/router.js';
import { useOptimisticToggle } from '../ui/optimistic-toggle.js';

/** Heart + count; flips at once, settles on the server's answer, rolls back on failure. */
export function FavoriteButton({ article, compact = false }: { article: ArticleListItem; compact?: boolean }) {
  const api = useApi();
  const auth = useAuth();
  const commit = useCallback(
    async (on: boolean) => {
      const { article: saved } = on ? await api.favorite(article.slug) : await api.unfavorite(article.slug);
      return { on: saved.favorited, count: saved.favoritesCount };
    },
    [api, article.slug],
  );
  const fav = useOptimisticToggle(article.favorited, article.favoritesCount, commit);
  const label = `${fav.on ? 'Unfavorite' : 'Favorite'} article "${article.title}"`;
  return (
    <span className="toggle-wrap">
      <button
        type="button"
        className={fav.on ? 'btn btn-sm btn-primary' : 'btn btn-sm btn-outline-primary'}
        aria-pressed={fav.on}
        aria-label={label}
        data-testid="favorite-button"
        onClick={() => (auth.status === 'signed-in' ? void fav.toggle() : navigate('/login'))}
      >
        <span aria-hidden="true">♥</span> {compact ? fav.count : `${fav.on ? 'Unfavorite' : 'Favorite'} (${fav.count})`}
      </button>
      {fav.error && <span role="alert" className="inline-error">{fav.error}</span>}
    </span>
  );
}

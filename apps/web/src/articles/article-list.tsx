import type { MultipleArticlesResponse } from '@conduit/contracts';
import { ErrorList } from '../ui/error-list.js';
import { PaginationNav } from '../ui/pagination-nav.js';
import type { AsyncState } from '../ui/use-async.js';
import { ArticlePreview } from './article-preview.js';

export const ARTICLES_PER_PAGE = 10;

export function ArticleList({ state, page, hrefFor }: { state: AsyncState<MultipleArticlesResponse>; page: number; hrefFor: (page: number) => string }) {
  if (state.status === 'error') return <ErrorList error={state.error} />;
  if (!state.data)
    return (
      <p className="article-preview" aria-live="polite">
        Loading articles…
      </p>
    );
  const { articles, articlesCount } = state.data;
  return (
    <div aria-busy={state.status === 'loading'}>
      {articles.length === 0 ? <p className="article-preview">No articles are here… yet.</p> : articles.map((a) => <ArticlePreview key={a.slug} article={a} />)}
      <PaginationNav total={articlesCount} perPage={ARTICLES_PER_PAGE} current={page} hrefFor={hrefFor} />
    </div>
  );
}

import type { ArticleListItem } from '@conduit/contracts';
import { Link } from '../router/router.js';
import { ArticleMeta } from './article-meta.js';
import { FavoriteButton } from './favorite-button.js';

export function ArticlePreview({ article }: { article: ArticleListItem }) {
  const href = `/article/${encodeURIComponent(article.slug)}`;
  return (
    <article className="article-preview" data-testid="article-preview">
      <ArticleMeta author={article.author} createdAt={article.createdAt}>
        <div className="pull-right">
          <FavoriteButton article={article} compact />
        </div>
      </ArticleMeta>
      <Link to={href} className="preview-link">
        <h2>{article.title}</h2>
        <p>{article.description}</p>
        <span className="read-more">Read more…</span>
      </Link>
      {article.tagList.length > 0 && (
        <ul className="tag-list" aria-label="Tags">
          {article.tagList.map((tag) => (
            <li key={tag} className="tag-pill tag-outline">
              {tag}
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}

import type { Profile } from '@conduit/contracts';
import { Link } from '../router/router.js';
import { Avatar } from '../ui/avatar.js';

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric' });
}

export function ArticleMeta({ author, createdAt, children }: { author: Profile; createdAt: string; children?: React.ReactNode }) {
  return (
    <div className="article-meta">
      <Link to={`/profile/${encodeURIComponent(author.username)}`} tabIndex={-1} aria-hidden="true">
        <Avatar image={author.image} size={32} />
      </Link>
      <div className="info">
        <Link to={`/profile/${encodeURIComponent(author.username)}`} className="author">
          {author.username}
        </Link>
        <time dateTime={createdAt} className="date">
          {formatDate(createdAt)}
        </time>
      </div>
      {children}
    </div>
  );
}

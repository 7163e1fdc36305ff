import { useState, type FormEvent } from 'react';
import type { Article, Comment, MultipleCommentsResponse } from '@conduit/contracts';
import { ApiError } from '../api/api-error.js';
import { useApi, useAuth } from '../app-context.js';
import { Link, navigate } from '../router/router.js';
import { Avatar } from '../ui/avatar.js';
import { ErrorList } from '../ui/error-list.js';
import { useAsync, type AsyncState } from '../ui/use-async.js';
import { useFormAction } from '../ui/use-form-action.js';
import { ArticleMeta, formatDate } from './article-meta.js';
import { FavoriteButton } from './favorite-button.js';
import { FollowButton } from './follow-button.js';

/** Plain-text body split into paragraphs; React escapes it, so no HTML from authors ever runs. */
function Body({ text }: { text: string }) {
  return (
    <>
      {text.split(/\n{2,}/).map((p, i) => (
        <p key={i}>{p}</p>
      ))}
    </>
  );
}

export function ArticlePage({ slug }: { slug: string }) {
  const api = useApi();
  const auth = useAuth();
  const [article] = useAsync((signal) => api.getArticle(slug, signal), [slug, auth.status]);
  const [comments, updateComments] = useAsync((signal) => api.comments(slug, signal), [slug, auth.status]);
  const [deleteError, setDeleteError] = useState<ApiError | null>(null);

  if (article.status === 'error')
    return (
      <div className="container page">
        <ErrorList error={article.error} />
      </div>
    );
  if (!article.data)
    return (
      <div className="container page">
        <p aria-live="polite">Loading article…</p>
      </div>
    );
  const a = article.data.article;

  return (
    <div className="article-page">
      <div className="banner">
        <div className="container">
          <h1>{a.title}</h1>
          <ArticleMeta author={a.author} createdAt={a.createdAt}>
            <ArticleActions article={a} onDeleteError={setDeleteError} />
          </ArticleMeta>
          <ErrorList error={deleteError} />
        </div>
      </div>
      <div className="container page">
        <div className="article-content">
          <Body text={a.body} />
          <ul className="tag-list" aria-label="Tags">
            {a.tagList.map((tag) => (
              <li key={tag} className="tag-pill tag-outline">
                {tag}
              </li>
            ))}
          </ul>
        </div>
        <hr />
        <CommentSection slug={a.slug} comments={comments} updateComments={updateComments} />
      </div>
    </div>
  );
}

/** The author edits or deletes the article; any other reader follows the author or favorites it. */
function ArticleActions({ article: a, onDeleteError }: { article: Article; onDeleteError: (error: ApiError) => void }) {
  const api = useApi();
  const auth = useAuth();
  const mine = auth.status === 'signed-in' && auth.user.username === a.author.username;

  async function remove(): Promise<void> {
    if (!window.confirm(`Delete "${a.title}"?`)) return;
    try {
      await api.deleteArticle(a.slug);
      navigate('/');
    } catch (error) {
      onDeleteError(error as ApiError);
    }
  }

  return mine ? (
    <span className="actions">
      <Link to={`/editor/${encodeURIComponent(a.slug)}`} className="btn btn-sm btn-outline-secondary">
        Edit Article
      </Link>
      <button type="button" className="btn btn-sm btn-outline-danger" onClick={() => void remove()}>
        Delete Article
      </button>
    </span>
  ) : (
    <span className="actions">
      <FollowButton profile={a.author} />
      <FavoriteButton article={a} />
    </span>
  );
}

interface CommentSectionProps {
  slug: string;
  comments: AsyncState<MultipleCommentsResponse>;
  updateComments: (update: (data: MultipleCommentsResponse) => MultipleCommentsResponse) => void;
}

function CommentSection({ slug, comments, updateComments }: CommentSectionProps) {
  const api = useApi();
  const auth = useAuth();
  return (
    <section className="comments" aria-labelledby="comments-heading">
      <h2 id="comments-heading">Comments</h2>
      {auth.status === 'signed-in' ? (
        <CommentForm slug={slug} onAdded={(c) => updateComments((d) => ({ comments: [c, ...d.comments] }))} />
      ) : (
        <p>
          <Link to="/login">Sign in</Link> or <Link to="/register">sign up</Link> to add comments on this article.
        </p>
      )}
      {comments.status === 'error' && <ErrorList error={comments.error} />}
      {comments.data?.comments.map((c) => (
        <CommentCard
          key={c.id}
          comment={c}
          canDelete={auth.status === 'signed-in' && auth.user.username === c.author.username}
          onDelete={async () => {
            await api.deleteComment(slug, c.id);
            updateComments((d) => ({ comments: d.comments.filter((x) => x.id !== c.id) }));
          }}
        />
      ))}
    </section>
  );
}

function CommentForm({ slug, onAdded }: { slug: string; onAdded: (c: Comment) => void }) {
  const api = useApi();
  const [body, setBody] = useState('');
  const { busy, error, run } = useFormAction();
  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    await run(async () => {
      const { comment } = await api.addComment(slug, body);
      onAdded(comment);
      setBody('');
    });
  }
  return (
    <form className="card comment-form" onSubmit={(e) => void submit(e)}>
      <ErrorList error={error} />
      <label htmlFor="comment-body" className="visually-hidden">
        Write a comment
      </label>
      <textarea id="comment-body" className="form-control" placeholder="Write a comment..." rows={3} value={body} onChange={(e) => setBody(e.target.value)} />
      <div className="card-footer">
        <button type="submit" className="btn btn-sm btn-primary" disabled={busy}>
          Post Comment
        </button>
      </div>
    </form>
  );
}

function CommentCard({ comment, canDelete, onDelete }: { comment: Comment; canDelete: boolean; onDelete: () => Promise<void> }) {
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <article className="card" data-testid="comment">
      <div className="card-block">
        <p>{comment.body}</p>
      </div>
      <div className="card-footer">
        <Avatar image={comment.author.image} size={20} />
        <Link to={`/profile/${encodeURIComponent(comment.author.username)}`} className="comment-author">
          {comment.author.username}
        </Link>
        <time dateTime={comment.createdAt} className="date-posted">
          {formatDate(comment.createdAt)}
        </time>
        {canDelete && (
          <button type="button" className="btn-link mod-options" aria-label="Delete comment" onClick={() => void onDelete().catch((e: ApiError) => setError(e))}>
            🗑
          </button>
        )}
      </div>
      <ErrorList error={error} />
    </article>
  );
}

import { useEffect, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ApiError } from '../api/api-error.js';
import { useApi, useAuth } from '../app-context.js';
import { navigate } from '../router/router.js';
import { ErrorList } from '../ui/error-list.js';

/** The tags with the typed one added, unless it is blank or already there. */
function withTag(tags: string[], input: string): string[] {
  const t = input.trim();
  return t && !tags.includes(t) ? [...tags, t] : tags;
}

export function EditorPage({ slug }: { slug?: string }) {
  const api = useApi();
  const draft = useArticleDraft(slug);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    draft.setError(null);
    const { title, description, body } = draft;
    const tagList = withTag(draft.tags, draft.tagInput);
    try {
      const { article } = slug ? await api.updateArticle(slug, { title, description, body, tagList }) : await api.createArticle({ title, description, body, tagList });
      navigate(`/article/${encodeURIComponent(article.slug)}`);
    } catch (e) {
      draft.setError(e as ApiError);
      setBusy(false);
    }
  }

  return (
    <div className="editor-page container page narrow">
      <h1>{slug ? 'Edit article' : 'New article'}</h1>
      <ErrorList error={draft.error} />
      <form onSubmit={(e) => void submit(e)}>
        <fieldset disabled={busy}>
          <label htmlFor="article-title">Title</label>
          <input id="article-title" className="form-control form-control-lg" value={draft.title} onChange={(e) => draft.setTitle(e.target.value)} placeholder="Article Title" />
          <label htmlFor="article-description">What's this article about?</label>
          <input id="article-description" className="form-control" value={draft.description} onChange={(e) => draft.setDescription(e.target.value)} placeholder="What's this article about?" />
          <label htmlFor="article-body">Article body</label>
          <textarea id="article-body" className="form-control" rows={8} value={draft.body} onChange={(e) => draft.setBody(e.target.value)} placeholder="Write your article" />
          <TagField draft={draft} />
          <button type="submit" className="btn btn-lg btn-primary pull-right">
            Publish Article
          </button>
        </fieldset>
      </form>
    </div>
  );
}

/** The editor's fields; when editing, filled from the saved article, which only its author may edit. */
function useArticleDraft(slug: string | undefined) {
  const api = useApi();
  const auth = useAuth();
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [body, setBody] = useState('');
  const [tagInput, setTagInput] = useState('');
  const [tags, setTags] = useState<string[]>([]);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    if (!slug) return;
    const controller = new AbortController();
    api.getArticle(slug, controller.signal).then(
      ({ article }) => {
        if (auth.status === 'signed-in' && article.author.username !== auth.user.username) {
          setError(new ApiError(403, { article: ['can only be edited by its author'] }));
          return;
        }
        setTitle(article.title);
        setDescription(article.description);
        setBody(article.body);
        setTags(article.tagList);
      },
      (e: unknown) => !controller.signal.aborted && setError(e as ApiError),
    );
    return () => controller.abort();
  }, [api, slug, auth.status]);

  return { title, setTitle, description, setDescription, body, setBody, tagInput, setTagInput, tags, setTags, error, setError };
}

/** Tags are typed one at a time (Enter, comma or leaving the field adds one) and listed with a remove button. */
function TagField({ draft }: { draft: ReturnType<typeof useArticleDraft> }) {
  const { tagInput, setTagInput, tags, setTags } = draft;
  function addTag(): void {
    setTags(withTag(tags, tagInput));
    setTagInput('');
  }
  function onTagKey(event: KeyboardEvent<HTMLInputElement>): void {
    if (event.key === 'Enter' || event.key === ',') {
      event.preventDefault();
      addTag();
    }
  }
  return (
    <>
      <label htmlFor="article-tags">Tags (press Enter after each)</label>
      <input id="article-tags" className="form-control" value={tagInput} onChange={(e) => setTagInput(e.target.value)} onKeyDown={onTagKey} onBlur={addTag} placeholder="Enter tags" />
      <ul className="tag-list" aria-label="Tags on this article">
        {tags.map((t) => (
          <li key={t} className="tag-pill tag-default">
            {t}{' '}
            <button type="button" className="btn-link" aria-label={`Remove tag ${t}`} onClick={() => setTags(tags.filter((x) => x !== t))}>
              ×
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

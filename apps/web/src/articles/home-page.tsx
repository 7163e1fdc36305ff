import { useApi, useAuth } from '../app-context.js';
import { Link, useLocation } from '../router/router.js';
import { offsetFor, pageFromQuery } from '../ui/pagination.js';
import { useAsync } from '../ui/use-async.js';
import { ARTICLES_PER_PAGE, ArticleList } from './article-list.js';

type Tab = 'feed' | 'global' | 'tag';

function hrefOf(tab: Tab, tag: string | null, page: number): string {
  const params = new URLSearchParams();
  if (tab === 'feed') params.set('feed', 'following');
  if (tab === 'tag' && tag) params.set('tag', tag);
  if (page > 1) params.set('page', String(page));
  const qs = params.toString();
  return qs ? `/?${qs}` : '/';
}

export function HomePage() {
  const api = useApi();
  const auth = useAuth();
  const { search } = useLocation();
  const tag = search.get('tag');
  const signedIn = auth.status === 'signed-in';
  const tab: Tab = tag ? 'tag' : search.get('feed') === 'following' && signedIn ? 'feed' : 'global';
  const page = pageFromQuery(search.get('page'));
  const query = { limit: ARTICLES_PER_PAGE, offset: offsetFor(page, ARTICLES_PER_PAGE) };

  const [articles] = useAsync((signal) => (tab === 'feed' ? api.feed(query, signal) : api.listArticles(tab === 'tag' ? { ...query, tag: tag! } : query, signal)), [tab, tag, page, auth.status]);

  return (
    <div className="home-page">
      {!signedIn && (
        <div className="banner">
          <h1 className="logo-font">conduit</h1>
          <p>A place to share your knowledge.</p>
        </div>
      )}
      <div className="container page">
        <div className="row">
          <div className="col-main">
            <FeedTabs tab={tab} tag={tag} signedIn={signedIn} />
            <ArticleList state={articles} page={page} hrefFor={(p) => hrefOf(tab, tag, p)} />
          </div>
          <PopularTags />
        </div>
      </div>
    </div>
  );
}

function FeedTabs({ tab, tag, signedIn }: { tab: Tab; tag: string | null; signedIn: boolean }) {
  return (
    <nav aria-label="Feeds" className="feed-toggle">
      <ul className="nav-tabs">
        {signedIn && (
          <li>
            <Link to={hrefOf('feed', null, 1)} className={tab === 'feed' ? 'nav-link active' : 'nav-link'} aria-current={tab === 'feed' ? 'page' : undefined}>
              Your Feed
            </Link>
          </li>
        )}
        <li>
          <Link to={hrefOf('global', null, 1)} className={tab === 'global' ? 'nav-link active' : 'nav-link'} aria-current={tab === 'global' ? 'page' : undefined}>
            Global Feed
          </Link>
        </li>
        {tab === 'tag' && (
          <li>
            <span className="nav-link active" aria-current="page">
              # {tag}
            </span>
          </li>
        )}
      </ul>
    </nav>
  );
}

function PopularTags() {
  const api = useApi();
  const [tags] = useAsync((signal) => api.tags(signal), []);
  return (
    <aside className="col-side sidebar" aria-labelledby="popular-tags">
      <h2 id="popular-tags">Popular Tags</h2>
      {tags.status === 'error' ? (
        <p>Tags are unavailable right now.</p>
      ) : !tags.data ? (
        <p>Loading tags…</p>
      ) : tags.data.tags.length === 0 ? (
        <p>No tags yet.</p>
      ) : (
        <ul className="tag-list">
          {tags.data.tags.map((t) => (
            <li key={t}>
              <Link to={hrefOf('tag', t, 1)} className="tag-pill tag-default" aria-label={`Articles tagged ${t}`}>
                {t}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}

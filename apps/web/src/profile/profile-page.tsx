import { useApi, useAuth } from '../app-context.js';
import { ARTICLES_PER_PAGE, ArticleList } from '../articles/article-list.js';
import { FollowButton } from '../articles/follow-button.js';
import { Link, useLocation } from '../router/router.js';
import { Avatar } from '../ui/avatar.js';
import { ErrorList } from '../ui/error-list.js';
import { offsetFor, pageFromQuery } from '../ui/pagination.js';
import { useAsync } from '../ui/use-async.js';

export function ProfilePage({ username, tab }: { username: string; tab: 'articles' | 'favorites' }) {
  const api = useApi();
  const auth = useAuth();
  const { search } = useLocation();
  const page = pageFromQuery(search.get('page'));
  const [profile] = useAsync((signal) => api.profile(username, signal), [username, auth.status]);
  const query = { limit: ARTICLES_PER_PAGE, offset: offsetFor(page, ARTICLES_PER_PAGE) };
  const [articles] = useAsync((signal) => api.listArticles(tab === 'favorites' ? { ...query, favorited: username } : { ...query, author: username }, signal), [username, tab, page, auth.status]);
  const base = `/profile/${encodeURIComponent(username)}`;
  const tabHref = tab === 'favorites' ? `${base}/favorites` : base;

  if (profile.status === 'error')
    return (
      <div className="container page">
        <ErrorList error={profile.error} />
      </div>
    );
  const p = profile.data?.profile;
  const mine = auth.status === 'signed-in' && auth.user.username === username;
  return (
    <div className="profile-page">
      <div className="user-info">
        <div className="container text-center">
          {p ? (
            <>
              <Avatar image={p.image} size={100} />
              <h1>{p.username}</h1>
              {p.bio && <p>{p.bio}</p>}
              {mine ? (
                <Link to="/settings" className="btn btn-sm btn-outline-secondary">
                  Edit Profile Settings
                </Link>
              ) : (
                <FollowButton profile={p} />
              )}
            </>
          ) : (
            <p aria-live="polite">Loading profile…</p>
          )}
        </div>
      </div>
      <div className="container page">
        <ProfileTabs base={base} tab={tab} />
        <ArticleList state={articles} page={page} hrefFor={(n) => (n > 1 ? `${tabHref}?page=${n}` : tabHref)} />
      </div>
    </div>
  );
}

function ProfileTabs({ base, tab }: { base: string; tab: 'articles' | 'favorites' }) {
  return (
    <nav aria-label="Profile articles" className="articles-toggle">
      <ul className="nav-tabs">
        <li>
          <Link to={base} className={tab === 'articles' ? 'nav-link active' : 'nav-link'} aria-current={tab === 'articles' ? 'page' : undefined}>
            My Articles
          </Link>
        </li>
        <li>
          <Link to={`${base}/favorites`} className={tab === 'favorites' ? 'nav-link active' : 'nav-link'} aria-current={tab === 'favorites' ? 'page' : undefined}>
            Favorited Articles
          </Link>
        </li>
      </ul>
    </nav>
  );
}

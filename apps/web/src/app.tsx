import { useEffect } from 'react';
import { useAuth, useServices } from './app-context.js';
import { ArticlePage } from './articles/article-page.js';
import { EditorPage } from './articles/editor-page.js';
import { HomePage } from './articles/home-page.js';
import { AuthPage } from './auth/auth-page.js';
import { ChatPage } from './chat/chat-page.js';
import { OpsPage } from './ops/ops-page.js';
import { ProfilePage } from './profile/profile-page.js';
import { Link, matchPath, useLocation } from './router/router.js';
import { SettingsPage } from './settings/settings-page.js';
import { Avatar } from './ui/avatar.js';

function Routes({ pathname }: { pathname: string }) {
  let p: Record<string, string> | null;
  if (matchPath('/', pathname)) return <HomePage />;
  if (matchPath('/login', pathname)) return <AuthPage mode="login" />;
  if (matchPath('/register', pathname)) return <AuthPage mode="register" />;
  if (matchPath('/settings', pathname)) return <SettingsPage />;
  if (matchPath('/editor', pathname)) return <EditorPage />;
  if ((p = matchPath('/editor/:slug', pathname))) return <EditorPage key={p.slug} slug={p.slug} />;
  if ((p = matchPath('/article/:slug', pathname))) return <ArticlePage key={p.slug} slug={p.slug} />;
  if ((p = matchPath('/profile/:username', pathname))) return <ProfilePage username={p.username} tab="articles" />;
  if ((p = matchPath('/profile/:username/favorites', pathname))) return <ProfilePage username={p.username} tab="favorites" />;
  if (matchPath('/chat', pathname)) return <ChatPage />;
  if (matchPath('/ops', pathname)) return <OpsPage />;
  if ((p = matchPath('/chat/:roomId', pathname)) && /^\d+$/.test(p.roomId)) return <ChatPage roomId={Number(p.roomId)} />;
  return (
    <div className="container page">
      <h1>Page not found</h1>
      <p>
        <Link to="/">Back to the home page</Link>
      </p>
    </div>
  );
}

function Header({ pathname }: { pathname: string }) {
  const auth = useAuth();
  const item = (to: string, label: React.ReactNode, match = to) => (
    <li className="nav-item">
      <Link to={to} className={pathname === match || (match !== '/' && pathname.startsWith(`${match}/`)) ? 'nav-link active' : 'nav-link'} aria-current={pathname === match ? 'page' : undefined}>
        {label}
      </Link>
    </li>
  );
  return (
    <header>
      <nav className="navbar" aria-label="Main">
        <div className="container navbar-inner">
          <Link to="/" className="navbar-brand">
            conduit
          </Link>
          <ul className="nav">
            {item('/', 'Home')}
            {auth.status === 'signed-in' ? (
              <>
                {item('/editor', 'New Article')}
                {item('/chat', 'Chat')}
                {item('/settings', 'Settings')}
                {item(
                  `/profile/${encodeURIComponent(auth.user.username)}`,
                  <>
                    <Avatar image={auth.user.image} size={22} /> {auth.user.username}
                  </>,
                )}
              </>
            ) : (
              <>
                {item('/login', 'Sign in')}
                {item('/register', 'Sign up')}
              </>
            )}
          </ul>
        </div>
      </nav>
    </header>
  );
}

export function App() {
  const { auth, api } = useServices();
  const { pathname } = useLocation();
  useEffect(() => {
    void auth.restore(() => api.currentUser());
  }, [auth, api]);
  const state = useAuth();
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Header pathname={pathname} />
      <main id="main" tabIndex={-1}>
        {state.status === 'checking' ? (
          <p className="container page" aria-live="polite">
            Loading…
          </p>
        ) : (
          <Routes pathname={pathname} />
        )}
      </main>
      <footer>
        <div className="container">
          <Link to="/" className="logo-font">
            conduit
          </Link>{' '}
          <span className="attribution">An interactive learning project. Code &amp; design licensed under MIT.</span>
        </div>
      </footer>
    </>
  );
}

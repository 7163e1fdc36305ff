import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Link, matchPath, navigate, useLocation } from './router.js';

function Where() {
  const { pathname, search } = useLocation();
  return (
    <p>
      at {pathname} tag={search.get('tag') ?? '-'}
    </p>
  );
}

describe('router', () => {
  afterEach(() => window.history.replaceState(null, '', '/'));

  it('matches patterns and decodes params', () => {
    expect(matchPath('/article/:slug', '/article/hello%20world')).toEqual({ slug: 'hello world' });
    expect(matchPath('/profile/:username/favorites', '/profile/bob/favorites')).toEqual({ username: 'bob' });
    expect(matchPath('/profile/:username', '/profile/bob/favorites')).toBeNull();
    expect(matchPath('/', '/')).toEqual({});
    expect(matchPath('/article/:slug', '/article/%E0%A4%A')).toBeNull();
  });

  it('navigates on a plain click and re-renders subscribers', () => {
    render(
      <>
        <Where />
        <Link to="/?tag=dragons">dragons</Link>
      </>,
    );
    expect(screen.getByText('at / tag=-')).toBeTruthy();
    fireEvent.click(screen.getByText('dragons'), { button: 0 });
    expect(screen.getByText('at / tag=dragons')).toBeTruthy();
    act(() => navigate('/login'));
    expect(screen.getByText('at /login tag=-')).toBeTruthy();
  });

  it('leaves modified clicks (new tab) to the browser', () => {
    render(
      <>
        <Where />
        <Link to="/editor">new</Link>
      </>,
    );
    fireEvent.click(screen.getByText('new'), { button: 0, ctrlKey: true });
    expect(screen.getByText('at / tag=-')).toBeTruthy();
  });
});

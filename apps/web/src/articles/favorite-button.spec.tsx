import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SingleArticleResponse } from '@conduit/contracts';
import { ApiError } from '../api/api-error.js';
import { article, deferred, renderWithServices } from '../test/fake-services.js';
import { FavoriteButton } from './favorite-button.js';

const full = (over: object): SingleArticleResponse => ({ article: { ...article(), body: '', ...over } });

describe('FavoriteButton', () => {
  afterEach(() => {
    cleanup();
    window.history.replaceState(null, '', '/');
  });

  it('flips at once, then shows the server count', async () => {
    const answer = deferred<SingleArticleResponse>();
    const favorite = vi.fn(() => answer.promise);
    renderWithServices(<FavoriteButton article={article({ favoritesCount: 4 })} />, { favorite });
    const button = screen.getByRole('button', { name: 'Favorite (4)' });
    fireEvent.click(button);
    expect(button.getAttribute('aria-pressed')).toBe('true');
    expect(button.textContent).toContain('Unfavorite (5)');
    expect(favorite).toHaveBeenCalledWith('hello');
    await act(async () => answer.resolve(full({ favorited: true, favoritesCount: 9 })));
    expect(button.textContent).toContain('Unfavorite (9)');
  });

  it('rolls back and says why when the server refuses', async () => {
    const answer = deferred<SingleArticleResponse>();
    renderWithServices(<FavoriteButton article={article({ favorited: true, favoritesCount: 1 })} compact />, { unfavorite: () => answer.promise });
    const button = screen.getByTestId('favorite-button');
    fireEvent.click(button);
    expect(button.getAttribute('aria-pressed')).toBe('false');
    expect(button.textContent).toContain('0');
    await act(async () => answer.reject(new ApiError(503, { server: ['is overloaded'] })));
    expect(button.getAttribute('aria-pressed')).toBe('true');
    expect(button.textContent).toContain('1');
    expect(screen.getByRole('alert').textContent).toBe('server is overloaded');
  });

  it('ignores clicks while a change is in flight (no double favorite)', () => {
    const favorite = vi.fn(() => new Promise<SingleArticleResponse>(() => undefined));
    renderWithServices(<FavoriteButton article={article()} />, { favorite });
    const button = screen.getByTestId('favorite-button');
    fireEvent.click(button);
    fireEvent.click(button);
    expect(favorite).toHaveBeenCalledTimes(1);
  });

  it('sends a signed-out visitor to sign in instead', () => {
    const favorite = vi.fn();
    renderWithServices(<FavoriteButton article={article()} />, { favorite }, { signedIn: false });
    fireEvent.click(screen.getByTestId('favorite-button'));
    expect(favorite).not.toHaveBeenCalled();
    expect(window.location.pathname).toBe('/login');
  });
});

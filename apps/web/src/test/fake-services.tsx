import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import type { ArticleListItem, User } from '@conduit/contracts';
import type { ConduitApi } from '../api/conduit-api.js';
import { ServicesProvider, type AppServices } from '../app-context.js';
import { AuthStore } from '../auth/auth-store.js';

export function memoryStorage() {
  const data: Record<string, string> = {};
  return { getItem: (k: string) => data[k] ?? null, setItem: (k: string, v: string) => void (data[k] = v), removeItem: (k: string) => void delete data[k] };
}

export const alice: User = { username: 'alice', email: 'alice@example.test', token: 'tok', bio: null, image: null };

export function article(overrides: Partial<ArticleListItem> = {}): ArticleListItem {
  return {
    slug: 'hello',
    title: 'Hello',
    description: 'desc',
    tagList: ['a'],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    favorited: false,
    favoritesCount: 0,
    author: { username: 'bob', bio: null, image: null, following: false },
    ...overrides,
  };
}

/** Renders UI with a fake API (only the methods a test provides) and a real AuthStore. */
export function renderWithServices(ui: ReactNode, api: Partial<ConduitApi>, { signedIn = true } = {}) {
  const auth = new AuthStore(memoryStorage());
  if (signedIn) auth.signIn(alice);
  const services: AppServices = { api: api as ConduitApi, auth };
  return { ...render(<ServicesProvider services={services}>{ui}</ServicesProvider>), auth };
}

/** A promise the test settles by hand. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

import { describe, expect, it, vi } from 'vitest';
import type { User } from '@conduit/contracts';
import { ApiError } from '../api/api-error.js';
import { AuthStore, type TokenStorage } from './auth-store.js';

function memoryStorage(initial: Record<string, string> = {}): TokenStorage & { data: Record<string, string> } {
  const data = { ...initial };
  return { data, getItem: (k) => data[k] ?? null, setItem: (k, v) => void (data[k] = v), removeItem: (k) => void delete data[k] };
}
const alice: User = { username: 'alice', email: 'a@x.io', token: 'tok-1', bio: null, image: null };

describe('AuthStore', () => {
  it('starts anonymous without a stored token and signed-in state persists the token', () => {
    const storage = memoryStorage();
    const store = new AuthStore(storage);
    expect(store.getState().status).toBe('anonymous');
    const listener = vi.fn();
    store.subscribe(listener);
    store.signIn(alice);
    expect(store.getState()).toEqual({ status: 'signed-in', user: alice });
    expect(storage.data['conduit.token']).toBe('tok-1');
    expect(store.token()).toBe('tok-1');
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('restores a stored token by asking the server', async () => {
    const store = new AuthStore(memoryStorage({ 'conduit.token': 'tok-1' }));
    expect(store.getState().status).toBe('checking');
    expect(store.token()).toBe('tok-1');
    await store.restore(async () => ({ user: alice }));
    expect(store.getState().status).toBe('signed-in');
  });

  it('drops a token the server rejects with 401', async () => {
    const storage = memoryStorage({ 'conduit.token': 'expired' });
    const store = new AuthStore(storage);
    await store.restore(async () => {
      throw new ApiError(401, { token: ['is invalid'] });
    });
    expect(store.getState().status).toBe('anonymous');
    expect(storage.data['conduit.token']).toBeUndefined();
  });

  it('keeps the token when the server is unreachable (it may be restarting)', async () => {
    const storage = memoryStorage({ 'conduit.token': 'tok-1' });
    const store = new AuthStore(storage);
    await store.restore(async () => {
      throw new ApiError(0, { network: ['could not reach the server'] });
    });
    expect(store.getState().status).toBe('anonymous');
    expect(storage.data['conduit.token']).toBe('tok-1');
  });

  it('keeps the existing token when a profile update answers without one', () => {
    const store = new AuthStore(memoryStorage());
    store.signIn(alice);
    store.signIn({ ...alice, bio: 'hi', token: '' });
    expect(store.token()).toBe('tok-1');
    store.signOut();
    expect(store.token()).toBeNull();
  });
});

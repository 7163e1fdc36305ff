import type { User } from '@conduit/contracts';

export type AuthState =
  | { status: 'anonymous'; user: null }
  /** A token is stored but not yet confirmed by GET /api/user. */
  | { status: 'checking'; user: null }
  | { status: 'signed-in'; user: User };

export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const TOKEN_KEY = 'conduit.token';

/**
 * The signed-in user and their token, readable synchronously (the API client needs the token
 * for every request) and observable (React subscribes with useSyncExternalStore).
 */
export class AuthStore {
  private state: AuthState;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly storage: TokenStorage) {
    this.state = storage.getItem(TOKEN_KEY) ? { status: 'checking', user: null } : { status: 'anonymous', user: null };
  }

  getState = (): AuthState => this.state;

  token(): string | null {
    return this.state.status === 'signed-in' ? this.state.user.token : this.storage.getItem(TOKEN_KEY);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** After sign-in, sign-up, a profile update, or confirming a stored token. */
  signIn(user: User): void {
    if (user.token) this.storage.setItem(TOKEN_KEY, user.token);
    const token = user.token || this.storage.getItem(TOKEN_KEY) || '';
    this.set({ status: 'signed-in', user: { ...user, token } });
  }

  signOut(): void {
    this.storage.removeItem(TOKEN_KEY);
    this.set({ status: 'anonymous', user: null });
  }

  /**
   * Confirms a stored token with the server. A rejected token signs out; a network failure keeps
   * the token (the server may be restarting) and reports the user as anonymous for now.
   */
  async restore(fetchUser: () => Promise<{ user: User }>): Promise<void> {
    if (this.state.status !== 'checking') return;
    try {
      const { user } = await fetchUser();
      this.signIn(user);
    } catch (error) {
      if ((error as { status?: number }).status === 401) this.signOut();
      else this.set({ status: 'anonymous', user: null });
    }
  }

  private set(next: AuthState): void {
    this.state = next;
    for (const listener of this.listeners) listener();
  }
}

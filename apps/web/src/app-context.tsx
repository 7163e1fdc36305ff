import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import { createApiClient } from './api/api-client.js';
import { conduitApi, type ConduitApi } from './api/conduit-api.js';
import { AuthStore, type AuthState } from './auth/auth-store.js';

export interface AppServices {
  api: ConduitApi;
  auth: AuthStore;
}

/** Real services for the browser: token in localStorage, same-origin /api. */
export function createAppServices(storage: Storage = window.localStorage): AppServices {
  const auth = new AuthStore(storage);
  const client = createApiClient({ getToken: () => auth.token(), onUnauthorized: () => auth.signOut() });
  return { api: conduitApi(client), auth };
}

const ServicesContext = createContext<AppServices | null>(null);

export function ServicesProvider({ services, children }: { services: AppServices; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside ServicesProvider');
  return services;
}

export function useApi(): ConduitApi {
  return useServices().api;
}

export function useAuth(): AuthState {
  const { auth } = useServices();
  return useSyncExternalStore(auth.subscribe, auth.getState, auth.getState);
}

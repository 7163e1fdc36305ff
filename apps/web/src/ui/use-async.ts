import { useEffect, useState, type DependencyList } from 'react';
import { ApiError } from '../api/api-error.js';

export type AsyncState<T> = { status: 'loading'; data?: T } | { status: 'ok'; data: T } | { status: 'error'; error: ApiError; data?: T };

/** Loads data for a screen; cancels the request when the inputs change or the screen goes away. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): [AsyncState<T>, (update: (data: T) => T) => void] {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ status: 'loading', data: s.data }));
    load(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ status: 'ok', data }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState({ status: 'error', error: error instanceof ApiError ? error : new ApiError(0, { error: [String(error)] }) });
      },
    );
    return () => controller.abort();
    // The caller lists the dependencies (like useEffect's own array), so they are not known statically here.
  }, deps);
  const update = (fn: (data: T) => T) => setState((s) => (s.data === undefined ? s : ({ ...s, data: fn(s.data) } as AsyncState<T>)));
  return [state, update];
}

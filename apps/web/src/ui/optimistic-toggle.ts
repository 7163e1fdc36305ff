import { useCallback, useEffect, useRef, useState } from 'react';

export interface ToggleState {
  on: boolean;
  count: number;
  pending: boolean;
  error: string | null;
}

export type ToggleEvent =
  { type: 'click' } | { type: 'confirmed'; on: boolean; count: number } | { type: 'failed'; previous: { on: boolean; count: number }; message: string } | { type: 'reset'; on: boolean; count: number };

/**
 * Follow and favorite flip at once (optimistic) and settle on the server's answer; a failure
 * puts the previous value back and says why. Pure so the rules are unit-tested.
 */
export function toggleReducer(state: ToggleState, event: ToggleEvent): ToggleState {
  switch (event.type) {
    case 'click':
      return { on: !state.on, count: Math.max(0, state.count + (state.on ? -1 : 1)), pending: true, error: null };
    case 'confirmed':
      return { on: event.on, count: event.count, pending: false, error: null };
    case 'failed':
      return { ...event.previous, pending: false, error: event.message };
    case 'reset':
      return { on: event.on, count: event.count, pending: false, error: null };
  }
}

/** Hook form of toggleReducer; `commit(nextOn)` calls the API and returns the server's values. */
export function useOptimisticToggle(initialOn: boolean, initialCount: number, commit: (nextOn: boolean) => Promise<{ on: boolean; count: number }>) {
  const [state, setState] = useState<ToggleState>({ on: initialOn, count: initialCount, pending: false, error: null });
  const stateRef = useRef(state);
  stateRef.current = state;

  useEffect(() => {
    setState((s) => (s.pending ? s : toggleReducer(s, { type: 'reset', on: initialOn, count: initialCount })));
  }, [initialOn, initialCount]);

  const toggle = useCallback(async () => {
    const before = stateRef.current;
    if (before.pending) return;
    const next = toggleReducer(before, { type: 'click' });
    stateRef.current = next;
    setState(next);
    try {
      const confirmed = await commit(next.on);
      setState((s) => toggleReducer(s, { type: 'confirmed', ...confirmed }));
    } catch (error) {
      const message = (error as { messages?: string[] }).messages?.join(', ') ?? 'could not save';
      setState((s) => toggleReducer(s, { type: 'failed', previous: { on: before.on, count: before.count }, message }));
    }
  }, [commit]);

  return { ...state, toggle };
}

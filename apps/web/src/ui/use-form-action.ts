import { useCallback, useState } from 'react';
import type { ApiError } from '../api/api-error.js';

/**
 * The busy flag and error of a form's server call: `run(action)` marks the form busy, clears the last
 * error, keeps the ApiError the action throws, and clears busy when it settles.
 */
export function useFormAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(async (action: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

export type FormAction = ReturnType<typeof useFormAction>;

import { useEffect, useState } from 'react';
import type { OpsOverview } from '@conduit/contracts';
import { ApiError } from '../api/api-error.js';
import { useApi } from '../app-context.js';

export const OPS_REFRESH_MS = 2_000;

export interface OpsState {
  overview?: OpsOverview;
  /** Reads answered so far (the page shows it, so a stalled refresh is visible). */
  reads: number;
  error?: ApiError;
}

/**
 * Reads GET /api/ops/overview now and every OPS_REFRESH_MS after the previous answer (never two at
 * once: a slow API is not piled on). A 401/403 stops the loop: the role will not appear by polling.
 */
export function useOpsOverview(enabled: boolean): OpsState {
  const api = useApi();
  const [state, setState] = useState<OpsState>({ reads: 0 });
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async () => {
      try {
        const overview = await api.opsOverview(controller.signal);
        setState((s) => ({ overview, reads: s.reads + 1 }));
      } catch (error) {
        if (controller.signal.aborted) return;
        const apiError = error instanceof ApiError ? error : new ApiError(0, { network: [String(error)] });
        setState((s) => ({ ...s, error: apiError }));
        if (apiError.status === 401 || apiError.status === 403) return;
      }
      if (!controller.signal.aborted) timer = setTimeout(() => void read(), OPS_REFRESH_MS);
    };
    void read();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [api, enabled]);
  return state;
}

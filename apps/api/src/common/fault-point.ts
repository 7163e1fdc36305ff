import type { IncomingHttpHeaders } from 'node:http';
import type { AppConfig } from '@conduit/config';

/** The request header that names a fault point to trigger (only with TEST_FAULT_INJECTION=true). */
export const FAULT_HEADER = 'x-test-fault';

export type FaultPoint = 'crash-after-commit';

/**
 * Test-only fault injection at a named point of the code. With TEST_FAULT_INJECTION=true (refused
 * when NODE_ENV=production, off by default: libs/config), a request carrying `x-test-fault: <point>`
 * SIGKILLs its own process there: no handler, no flush, no response, like a power cut or the OOM
 * killer. Otherwise a no-op (one boolean check). Used by apps/api/test/security/idempotency-crash.e2e.spec.ts
 * and the resilience suite's SIGKILL-after-commit scenario.
 */
export function crashAtFaultPoint(config: AppConfig, headers: IncomingHttpHeaders, point: FaultPoint): void {
  if (!config.TEST_FAULT_INJECTION || headers[FAULT_HEADER] !== point) return;
  process.kill(process.pid, 'SIGKILL');
}

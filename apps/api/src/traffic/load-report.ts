/**
 * What readiness shows about load, read from admission control (LoadShedder implements it and
 * TrafficModule provides it under LOAD_REPORT). Health depends on this interface, not on the
 * shedder, and the shedder writes nothing into other services.
 */
export interface LoadReport {
  /** Sustained event-loop delay in ms (p99, lower of the last two sampling windows). */
  eventLoopDelayMs(): number;
  /** Admission-control figures for the readiness details (in flight, limit, shed counts). */
  figures(): Record<string, unknown>;
}

export const LOAD_REPORT = Symbol('LOAD_REPORT');

/** One change the autoscaler carried out (or attempted), as printed. */
export interface ScaleEvent {
  target: 'api' | 'worker';
  /** Decision time and when the last new instance took traffic / the last removed one had exited (ms since epoch). */
  at: number;
  doneAt: number;
  from: number;
  to: number;
  reason: string;
  /** Instance ids in the pool once the change was carried out, e.g. ["worker-1", "worker-2"]. */
  members?: string[];
  error?: string;
}

/** One instance of a pool: its id (api-<n>, worker-<n>) and the URL of its /metrics and /health. */
export interface PoolMember {
  id: string;
  url: string;
}

/** What the stack handle exposes of its autoscaler. */
export interface StackAutoscaler {
  readonly events: ScaleEvent[];
  /** The instances a pool has now (the API instances in rotation, the running workers). */
  members(target: ScaleEvent['target']): PoolMember[];
  /** Stops deciding and waits for a change in progress to finish. */
  stop(): Promise<void>;
}

/** One change the autoscaler carried out (or attempted), as printed. */
export interface ScaleEvent {
  target: 'api' | 'worker';
  /** Decision time and when the last new instance took traffic / the last removed one had exited (ms since epoch). */
  at: number;
  doneAt: number;
  from: number;
  to: number;
  reason: string;
  error?: string;
}

/** What the stack handle exposes of its autoscaler. */
export interface StackAutoscaler {
  readonly events: ScaleEvent[];
  /** Stops deciding and waits for a change in progress to finish. */
  stop(): Promise<void>;
}

import { spawnApiInstance, waitUntilReady } from '../api-instances.js';
import type { LoadBalancer } from '../haproxy.js';
import type { InstanceHandle, StackContext } from '../types.js';
import { lbSlots } from './lb-slots.js';

/**
 * The API instances the autoscaler owns, one per HAProxy slot api-1..api-<max>. Scale-out starts a
 * process on the lowest free slot, waits for its readiness, then puts the slot in rotation and
 * waits until HAProxy's own check marks it UP. Scale-in takes the highest slot: drain in HAProxy
 * (no new requests or Socket.IO sessions), SIGTERM (the app's own drain: readiness 503, in-flight
 * requests finish, Socket.IO clients are told to reconnect elsewhere), exit, then maintenance.
 */
export class ApiPool {
  private readonly handles = new Map<number, InstanceHandle>();
  private readonly active = new Set<number>();
  private readonly starting = new Set<number>();

  constructor(
    private readonly ctx: StackContext,
    private readonly appEnv: NodeJS.ProcessEnv,
    private readonly lb: LoadBalancer,
    private readonly max: number,
    initial: InstanceHandle[],
  ) {
    for (const h of initial) {
      this.handles.set(h.index, h);
      this.active.add(h.index);
    }
  }

  /** Instances in rotation, by slot. */
  running(): InstanceHandle[] {
    return [...this.active].sort((a, b) => a - b).map((i) => this.handles.get(i)!);
  }

  get size(): number {
    return this.active.size;
  }

  async add(): Promise<InstanceHandle> {
    const index = Array.from({ length: this.max }, (_, i) => i + 1).find((i) => !this.active.has(i) && !this.starting.has(i));
    if (!index) throw new Error(`all ${this.max} API slots are in use`);
    // Reserved before the first await: several instances start in parallel.
    this.starting.add(index);
    try {
      const handle = this.handles.get(index) ?? spawnApiInstance(this.ctx, this.appEnv, index);
      this.handles.set(index, handle);
      handle.process.start();
      await waitUntilReady(handle);
      await lbSlots.enable(this.lb, index, handle.port);
      await this.lb.waitForState(index, 'UP');
      this.active.add(index);
      this.ctx.processes.writePids();
      return handle;
    } finally {
      this.starting.delete(index);
    }
  }

  async remove(): Promise<InstanceHandle> {
    const index = Math.max(...this.active);
    const handle = this.handles.get(index)!;
    this.active.delete(index);
    await lbSlots.drain(this.lb, index);
    await handle.process.stop('SIGTERM', 20_000);
    await lbSlots.disable(this.lb, index);
    return handle;
  }
}

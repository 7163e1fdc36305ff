import type { Behavior, ScalingRules } from './policy.js';

/** One metric's proposal: replicas it asks for, and why. */
export interface MetricProposal {
  name: string;
  replicas: number;
  /** e.g. "http_requests_in_flight 43.0 per pod vs target 20" */
  detail: string;
}

export interface Decision {
  /** Milliseconds (the caller's clock). */
  at: number;
  current: number;
  desired: number;
  /** max over the metrics' proposals, before stabilisation and limits. */
  proposed: number;
  reason: string;
  proposals: MetricProposal[];
}

/**
 * Replicas a per-pod average asks for, as the Kubernetes HPA computes them: within the tolerance
 * of the target nothing changes, else ceil(pods x value / target).
 */
export function perPodProposal(name: string, current: number, value: number, target: number, tolerance: number, unit = ''): MetricProposal {
  const ratio = value / target;
  const replicas = Math.abs(ratio - 1) <= tolerance ? current : Math.ceil(current * ratio);
  return { name, replicas, detail: `${name} ${value.toFixed(1)}${unit} per pod vs target ${target}${unit}` };
}

/** An external total divided among replicas (KEDA's AverageValue): ceil(total / target per replica). */
export function totalProposal(name: string, current: number, total: number, targetPerReplica: number, tolerance: number): MetricProposal {
  const ratio = total / (targetPerReplica * Math.max(current, 1));
  const replicas = Math.abs(ratio - 1) <= tolerance ? current : Math.ceil(total / targetPerReplica);
  return { name, replicas, detail: `${name} ${total} in all vs target ${targetPerReplica} per replica` };
}

/**
 * The Kubernetes HPA's replica decision with a behaviour block (pkg/controller/podautoscaler):
 * stabilisation (scale up to the LOWEST recommendation of the up-window, down to the HIGHEST of
 * the down-window), then the step policies (Pods / Percent per period, selectPolicy), then the
 * min/max bounds. Pure: time comes in as an argument. Tested in hpa-algorithm.spec.ts.
 */
export class HpaAlgorithm {
  private recommendations: Array<{ at: number; replicas: number }> = [];
  private events: Array<{ at: number; change: number }> = [];

  constructor(
    private readonly behavior: Behavior,
    readonly minReplicas: number,
    readonly maxReplicas: number,
  ) {}

  decide(at: number, current: number, proposals: MetricProposal[]): Decision {
    // No metric yet (instances just started): keep the current count, as the HPA does.
    const top = proposals.length ? proposals.reduce((a, b) => (b.replicas > a.replicas ? b : a)) : { name: 'none', replicas: current, detail: 'no metrics yet' };
    const proposed = Math.min(Math.max(top.replicas, this.minReplicas), this.maxReplicas);
    const stabilized = this.stabilize(at, current, proposed);
    let desired = stabilized;
    let reason = `${top.detail} asks for ${top.replicas}`;
    if (proposed !== top.replicas) reason += ` (bounded to ${this.minReplicas}-${this.maxReplicas})`;
    if (stabilized !== proposed)
      reason += `; held at ${stabilized} by the ${proposed > current ? 'scale-up' : 'scale-down'} stabilisation window (${this.windowOf(proposed > current ? this.behavior.scaleUp : this.behavior.scaleDown)} s)`;
    if (stabilized > current) {
      const limit = Math.min(this.upLimit(at, current), this.maxReplicas);
      if (limit < desired) reason += `; limited to ${limit} by the scale-up policy`;
      desired = Math.min(desired, limit);
    } else if (stabilized < current) {
      const limit = Math.max(this.downLimit(at, current), this.minReplicas);
      if (limit > desired) reason += `; limited to ${limit} by the scale-down policy`;
      desired = Math.max(desired, limit);
    }
    desired = Math.min(Math.max(desired, this.minReplicas), this.maxReplicas);
    return { at, current, desired, proposed, reason, proposals };
  }

  /** Records a change that was carried out (the step policies count them per period). */
  recordScale(at: number, change: number): void {
    if (change !== 0) this.events.push({ at, change });
  }

  private windowOf(rules: ScalingRules): number {
    return rules.stabilizationWindowSeconds;
  }

  private stabilize(at: number, current: number, proposed: number): number {
    const upFrom = at - this.behavior.scaleUp.stabilizationWindowSeconds * 1000;
    const downFrom = at - this.behavior.scaleDown.stabilizationWindowSeconds * 1000;
    let up = proposed;
    let down = proposed;
    for (const r of this.recommendations) {
      if (r.at > upFrom) up = Math.min(up, r.replicas);
      if (r.at > downFrom) down = Math.max(down, r.replicas);
    }
    const keepFrom = Math.min(upFrom, downFrom);
    this.recommendations = [...this.recommendations.filter((r) => r.at > keepFrom), { at, replicas: proposed }];
    return Math.min(Math.max(current, up), down);
  }

  private changedWithin(at: number, periodSeconds: number, sign: 1 | -1): number {
    return this.events.filter((e) => e.at > at - periodSeconds * 1000 && Math.sign(e.change) === sign).reduce((sum, e) => sum + Math.abs(e.change), 0);
  }

  private upLimit(at: number, current: number): number {
    const { policies, selectPolicy } = this.behavior.scaleUp;
    const limits = policies.map((p) => {
      const start = current - this.changedWithin(at, p.periodSeconds, 1);
      return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    });
    return selectPolicy === 'Min' ? Math.min(...limits) : Math.max(...limits);
  }

  private downLimit(at: number, current: number): number {
    const { policies, selectPolicy } = this.behavior.scaleDown;
    const limits = policies.map((p) => {
      const start = current + this.changedWithin(at, p.periodSeconds, -1);
      return p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    });
    // "Max" selects the policy that allows the biggest change: the lowest floor.
    return selectPolicy === 'Min' ? Math.max(...limits) : Math.min(...limits);
  }
}

import { readFileSync } from 'node:fs';
import { repoPath } from '../paths.js';

export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}
export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min';
  policies: ScalingPolicy[];
}
export interface Behavior {
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}

/** infra/autoscaling/policy.json: the one policy of the HPA, KEDA and this stack's autoscaler. */
export interface AutoscalePolicy {
  syncPeriodSeconds: number;
  tolerance: number;
  api: {
    minReplicas: number;
    maxReplicas: number;
    cpu: { targetAverageUtilization: number; requestMillicores: number };
    perPod: { metric: string; targetAverageValue: number; windowSeconds: number };
    behavior: Behavior;
  };
  worker: {
    minReplicas: number;
    maxReplicas: number;
    queueDepth: { metric: string; state: string; query: string; targetPerReplica: number };
    behavior: Behavior;
  };
}

export const POLICY_FILE = repoPath('infra/autoscaling/policy.json');

export function loadAutoscalePolicy(path = POLICY_FILE): AutoscalePolicy {
  return JSON.parse(readFileSync(path, 'utf8')) as AutoscalePolicy;
}

const scaleRules = (rules: ScalingRules, f: number): ScalingRules => ({
  ...rules,
  stabilizationWindowSeconds: rules.stabilizationWindowSeconds * f,
  policies: rules.policies.map((p) => ({ ...p, periodSeconds: p.periodSeconds * f })),
});
const scaleBehavior = (b: Behavior, f: number): Behavior => ({ scaleUp: scaleRules(b.scaleUp, f), scaleDown: scaleRules(b.scaleDown, f) });

/**
 * The same policy on a compressed clock: every duration (sync period, metric window, stabilisation
 * windows, policy periods) times `factor`; targets and step sizes unchanged. Tests use it so a
 * scale-out and the scale-in after a 180 s window fit in CI; the CLI runs factor 1.
 */
export function compressTime(policy: AutoscalePolicy, factor: number): AutoscalePolicy {
  if (!(factor > 0 && factor <= 1)) throw new Error('time factor must be in (0, 1]');
  return {
    ...policy,
    syncPeriodSeconds: policy.syncPeriodSeconds * factor,
    api: { ...policy.api, perPod: { ...policy.api.perPod, windowSeconds: policy.api.perPod.windowSeconds * factor }, behavior: scaleBehavior(policy.api.behavior, factor) },
    worker: { ...policy.worker, behavior: scaleBehavior(policy.worker.behavior, factor) },
  };
}

// What one driver run shares between driving the stages and summarizing them.
import type { IntervalHistogram } from 'node:perf_hooks';
import type { Stage, TestType } from '../shared/plan.ts';
import type { LoadSettings } from '../shared/settings.ts';
import type { CacheWork, StressLevel } from '../shared/summary.ts';
import type { WorkPerRequest } from '../shared/work-budget.ts';
import type { SourceAddressPool } from './http-client.ts';
import type { InstanceProbe } from './instance-metrics.ts';
import type { CpuSampler } from './process-cpu.ts';
import type { Recorder } from './recorder.ts';
import type { RedisServer } from './work-counters.ts';
import type { SignInPolicy } from './sign-in-policy.ts';

/** What one run measures with, from the first virtual user to the summary. */
export interface RunContext {
  type: TestType;
  stages: Stage[];
  settings: LoadSettings;
  log: (line: string) => void;
  signIn?: SignInPolicy;
  pool: SourceAddressPool;
  roomIds: number[];
  rec: Recorder;
  sampler: CpuSampler;
  probe: InstanceProbe;
  /** The API instances, read directly (not through the load balancer) for their counters. */
  instanceUrls: string[];
  /** The stack's Redis servers, read for the commands they executed. */
  redisServers: RedisServer[];
  /** The generator's own event-loop delay (added to every latency it measures). */
  generatorLoop: IntervalHistogram;
}

/** What driving the stages produced, besides what the recorder and the sampler hold. */
export interface StageOutcome {
  started: number;
  fullStrengthMs: number;
  /** CPU sample marks (CpuSampler.mark) of the first stretch at full strength: [from, to). */
  fullStrengthCpu?: [from: number, to: number];
  /** Requests a second over the same stretch (the driver's count). */
  fullStrengthRps?: number;
  /** The read cache over the same stretch, when every instance answered at both ends. */
  fullStrengthCache?: CacheWork;
  /** Database queries and Redis commands per request over the same stretch. */
  fullStrengthWork?: WorkPerRequest;
  levels: StressLevel[];
}

// Who does what, and how many at which time: personas per virtual user and the user-count
// stages of each test type. Both runners read these (k6 as `stages`, the driver as its schedule).

import { JOURNEYS, type JourneyDef } from './journeys.ts';
import type { LoadSettings } from './settings.ts';
import { assignByWeight } from './weighted-choice.ts';

export interface Stage {
  durationS: number;
  /** Concurrent users at the end of the stage (linear ramp from the previous target). */
  target: number;
}

export type TestType = 'smoke' | 'load' | 'stress' | 'spike' | 'soak' | 'ci';

/** The journey virtual user n follows for the whole run (persona), by the configured weights. */
export function personaFor(settings: Pick<LoadSettings, 'weights'>, vu: number): JourneyDef {
  const weighted = JOURNEYS.map((j) => ({ ...j, weight: settings.weights[j.name] }));
  return JOURNEYS[assignByWeight(weighted, vu)];
}

/** Smoke: every journey once (in JOURNEYS order), plus a second chat user so messages have a receiver. */
export function smokePersona(vu: number): JourneyDef {
  return vu <= JOURNEYS.length ? JOURNEYS[vu - 1] : JOURNEYS.find((j) => j.name === 'chat')!;
}

/** Users in a smoke run. */
export const SMOKE_USERS = JOURNEYS.length + 1;

/** Smoke checks that everything answers, not how fast: short pauses, one chat room, a short session. */
export function smokeSettings(s: LoadSettings): LoadSettings {
  return {
    ...s,
    thinkMinMs: Math.min(s.thinkMinMs, 200),
    thinkMaxMs: Math.min(s.thinkMaxMs, 500),
    chat: { ...s.chat, rooms: 1, sessionS: Math.min(s.chat.sessionS, 8), messageIntervalMs: Math.min(s.chat.messageIntervalMs, 1000) },
  };
}

export function stagesFor(type: TestType, s: LoadSettings): Stage[] {
  switch (type) {
    case 'smoke':
      return [
        { durationS: 1, target: SMOKE_USERS },
        { durationS: 20, target: SMOKE_USERS },
      ];
    case 'load':
    case 'ci':
      return [
        { durationS: s.rampUpS, target: s.vus },
        { durationS: s.holdS, target: s.vus },
        { durationS: s.rampDownS, target: 0 },
      ];
    case 'spike':
      return [
        { durationS: s.spikeRampS, target: s.vus },
        { durationS: 60, target: s.vus },
        { durationS: 10, target: 0 },
      ];
    case 'soak':
      return [
        { durationS: 60, target: s.soakVus },
        { durationS: s.soakS, target: s.soakVus },
        { durationS: 30, target: 0 },
      ];
    case 'stress':
      return stressStages(s);
  }
}

/** Stress: climb in steps (a short ramp, then a hold per level) up to the ceiling. */
export function stressStages(s: Pick<LoadSettings, 'stressStart' | 'stressStep' | 'stressMax' | 'stressStepS'>): Stage[] {
  const stages: Stage[] = [];
  for (let level = s.stressStart; level <= s.stressMax; level += s.stressStep) {
    stages.push({ durationS: Math.max(5, Math.round(s.stressStepS / 4)), target: level });
    stages.push({ durationS: s.stressStepS, target: level });
  }
  stages.push({ durationS: 20, target: 0 });
  return stages;
}

/** Users that should be active t seconds into the schedule (linear within a stage). */
export function targetAt(stages: readonly Stage[], t: number): number {
  let start = 0;
  let from = 0;
  for (const st of stages) {
    if (t < start + st.durationS) return Math.round(from + ((st.target - from) * (t - start)) / st.durationS);
    start += st.durationS;
    from = st.target;
  }
  return from;
}

export function totalDurationS(stages: readonly Stage[]): number {
  return stages.reduce((sum, st) => sum + st.durationS, 0);
}

/** k6 `stages`. */
export function toK6Stages(stages: readonly Stage[]): Array<{ duration: string; target: number }> {
  return stages.map((st) => ({ duration: `${st.durationS}s`, target: st.target }));
}

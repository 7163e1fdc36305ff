export type * from './realworld.js';
export type { AuthUser } from './auth.js';
export * from './chat.js';
export type { OpsInstance, OpsOverview } from './ops.js';

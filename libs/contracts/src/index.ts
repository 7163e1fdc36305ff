export type * from './realworld.js';

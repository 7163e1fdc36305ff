/** DI tokens of the worker application. */
export const WORKER_CONFIG = Symbol('WORKER_CONFIG');
export const WORKER_LOGGER = Symbol('WORKER_LOGGER');
export const PG_POOL = Symbol('PG_POOL');
/** Fail-fast queue Redis connection: producer Queues (outbox relay), metrics and health. */
export const QUEUE_REDIS = Symbol('QUEUE_REDIS');
/** Producer Queue objects by queue name (createQueues). */
export const QUEUES_BY_NAME = Symbol('QUEUES_BY_NAME');

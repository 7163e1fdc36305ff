export { TEST_PG_URL, TEST_REDIS_URL, databaseUrl, templateDatabase } from './test-env.js';
export { createTestDatabase, type TestDatabase } from './test-database.js';
export { ApiClient, type ApiResponse } from './api-client.js';
export { TestRedisServer, redisAnswers, redisReady } from './redis-server.js';
export { freePort } from './free-port.js';
export { livedInChoices, type LivedInChoices } from './lived-in-choices.js';
export { FaultProxy, type FaultMode, type FaultProxyOptions } from './fault-proxy.js';

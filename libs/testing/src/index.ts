export { TEST_PG_URL, TEST_REDIS_URL, databaseUrl, templateDatabase } from './test-env.js';
export { createTestDatabase, type TestDatabase } from './test-database.js';
export { ApiClient, type ApiResponse } from './api-client.js';
export { TestRedisServer } from './redis-server.js';

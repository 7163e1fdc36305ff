import { describe, expect, it } from 'vitest';
import { queueRedisProblems } from './queue-redis-check.js';

const info = (policy: string, aof: string) => `# Memory\r\nused_memory:1\r\nmaxmemory_policy:${policy}\r\n# Persistence\r\naof_enabled:${aof}\r\n`;

describe('queueRedisProblems', () => {
  it('accepts noeviction + appendonly', () => {
    expect(queueRedisProblems(info('noeviction', '1'))).toEqual([]);
  });

  it('names an evicting policy and a missing AOF', () => {
    const problems = queueRedisProblems(info('allkeys-lru', '0'));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('"allkeys-lru" but must be "noeviction"');
    expect(problems[1]).toContain('appendonly is off');
    expect(queueRedisProblems(info('volatile-lru', '1'))).toHaveLength(1);
  });

  it('treats missing fields as problems, not as fine', () => {
    expect(queueRedisProblems('# Server\r\nredis_version:7.0.0\r\n')).toHaveLength(2);
  });
});

import { describe, expect, it } from 'vitest';
import { formatLogLine, prefixFor } from './log-format.js';

describe('formatLogLine', () => {
  it('turns a pino line into time, level, message and the fields that matter', () => {
    const line = JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 1, 12, 3, 4), pid: 1, hostname: 'h', name: 'api', msg: 'slow request', route: '/api/tags', ms: 1200 });
    expect(formatLogLine(line)).toBe('12:03:04 warn  slow request route=/api/tags ms=1200');
  });

  it('passes other output through unchanged', () => {
    expect(formatLogLine('  VITE v8 ready')).toBe('  VITE v8 ready');
    expect(formatLogLine('{not json')).toBe('{not json');
    expect(formatLogLine('{"a":1}')).toBe('{"a":1}');
  });

  it('pads the prefix to one width and colors it only on a terminal', () => {
    expect(prefixFor('api', 0, 6, false)).toBe('api    | ');
    expect(prefixFor('web', 2, 6, true)).toBe('\x1b[33mweb    |\x1b[0m ');
  });
});

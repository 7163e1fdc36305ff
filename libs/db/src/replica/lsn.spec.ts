import { describe, expect, it } from 'vitest';
import { lsnReached, lsnToNumber } from './lsn.js';

describe('WAL positions', () => {
  it('compares the high word before the low word, in hex', () => {
    expect(lsnToNumber('0/0')).toBe(0);
    expect(lsnToNumber('1/0')).toBe(2 ** 32);
    expect(lsnReached('1/0', '0/FFFFFFFF')).toBe(true);
    expect(lsnReached('0/A', '0/9')).toBe(true);
    expect(lsnReached('0/9', '0/A')).toBe(false);
    expect(lsnReached('16/B374D848', '16/B374D848')).toBe(true);
  });

  it('refuses what is not a WAL position', () => {
    expect(() => lsnToNumber('16-B374D848')).toThrow(/not a WAL position/);
  });
});

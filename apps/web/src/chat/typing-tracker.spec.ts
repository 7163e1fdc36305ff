import { describe, expect, it, vi } from 'vitest';
import { TypingTracker, createTypingThrottle, typingText } from './typing-tracker.js';

describe('TypingTracker', () => {
  it('expires a typist after the ttl and clears on message', () => {
    const t = new TypingTracker(3000);
    t.typing('bob', 0);
    t.typing('alice', 1000);
    expect(t.active(2000)).toEqual(['alice', 'bob']);
    expect(t.active(3500)).toEqual(['alice']);
    t.stopped('alice');
    expect(t.active(3600)).toEqual([]);
  });

  it('words the indicator', () => {
    expect(typingText([])).toBe('');
    expect(typingText(['bob'])).toBe('bob is typing…');
    expect(typingText(['a', 'b'])).toBe('a and b are typing…');
    expect(typingText(['a', 'b', 'c'])).toBe('3 people are typing…');
  });

  it('throttles outgoing typing events', () => {
    const send = vi.fn();
    const onKey = createTypingThrottle(send, 1500);
    onKey(0);
    onKey(500);
    onKey(1499);
    onKey(1500);
    expect(send).toHaveBeenCalledTimes(2);
  });
});

import { describe, expect, it } from 'vitest';
import { toggleReducer, type ToggleState } from './optimistic-toggle.js';

const idle: ToggleState = { on: false, count: 3, pending: false, error: null };

describe('toggleReducer', () => {
  it('flips at once and counts the click', () => {
    expect(toggleReducer(idle, { type: 'click' })).toEqual({ on: true, count: 4, pending: true, error: null });
    expect(toggleReducer({ ...idle, on: true }, { type: 'click' })).toEqual({ on: false, count: 2, pending: true, error: null });
    expect(toggleReducer({ ...idle, on: true, count: 0 }, { type: 'click' }).count).toBe(0);
  });

  it("settles on the server's numbers", () => {
    const clicked = toggleReducer(idle, { type: 'click' });
    expect(toggleReducer(clicked, { type: 'confirmed', on: true, count: 9 })).toEqual({ on: true, count: 9, pending: false, error: null });
  });

  it('rolls back on failure and keeps the reason', () => {
    const clicked = toggleReducer(idle, { type: 'click' });
    expect(toggleReducer(clicked, { type: 'failed', previous: { on: false, count: 3 }, message: 'network down' })).toEqual({ on: false, count: 3, pending: false, error: 'network down' });
  });
});

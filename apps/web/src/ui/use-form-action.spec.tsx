import { act, renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/api-error.js';
import { deferred } from '../test/fake-services.js';
import { useFormAction } from './use-form-action.js';

describe('useFormAction', () => {
  it('is busy while the action runs and keeps the error it throws', async () => {
    const { result } = renderHook(() => useFormAction());
    const answer = deferred<void>();
    let done!: Promise<void>;
    act(() => {
      done = result.current.run(() => answer.promise);
    });
    expect(result.current.busy).toBe(true);
    await act(async () => {
      answer.reject(new ApiError(422, { title: ["can't be blank"] }));
      await done;
    });
    expect(result.current.busy).toBe(false);
    expect(result.current.error?.messages).toEqual(["title can't be blank"]);
  });

  it('clears the last error when the next action starts', async () => {
    const { result } = renderHook(() => useFormAction());
    act(() => result.current.setError(new ApiError(503, { server: ['is overloaded'] })));
    await act(() => result.current.run(async () => undefined));
    expect(result.current.error).toBeNull();
    expect(result.current.busy).toBe(false);
  });
});

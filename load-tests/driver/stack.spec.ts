import { describe, expect, it } from 'vitest';
import { profilingNodeArgs } from './stack.ts';

describe('profilingNodeArgs (profiling flags for the load-test stack)', () => {
  it('adds nothing by default', () => {
    expect(profilingNodeArgs({})).toEqual([]);
  });

  it('writes V8 profiles to LOADTEST_CPU_PROFILE_DIR and perf maps with LOADTEST_PERF_MAP=1', () => {
    expect(profilingNodeArgs({ LOADTEST_CPU_PROFILE_DIR: '/tmp/prof', LOADTEST_PERF_MAP: '1' })).toEqual(['--cpu-prof', '--cpu-prof-dir=/tmp/prof', '--perf-basic-prof-only-functions']);
  });

  it('takes only "1" as on for the perf map', () => {
    expect(profilingNodeArgs({ LOADTEST_PERF_MAP: 'yes' })).toEqual([]);
  });
});

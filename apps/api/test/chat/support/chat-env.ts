/**
 * Settings every chat test uses. Load shedding on event-loop delay is meant for production
 * traffic; on a shared 2-core CI box a cold start can exceed its threshold and refuse the
 * tests' first requests, which would test the machine, not chat.
 */
export const CHAT_TEST_ENV: Record<string, string> = {
  LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '60000',
};

import type { Page } from 'playwright-core';
import type { Stack } from '../../../libs/stack/src/index.js';
import { expectVisible, type ConduitScenario } from './conduit.steps.js';

// What the chat steps share: the scenario they run in and the page helpers (send, see once, wait).

export interface ChatScenario extends ConduitScenario {
  stack: Stack;
  /** chat_socket_connections scraped from API instance i (0-based), straight from the instance. */
  metrics: (instance: number) => Promise<number>;
  /** SQL against the stack's database (to create a long history quickly). */
  sql: (text: string, params: unknown[]) => Promise<void>;
}

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (${(last as Error).message})` : ''}`);
}

export const status = (page: Page) => page.getByTestId('chat-status').getAttribute('data-status');
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Messages whose text is exactly `text` (not "history 10" for "history 1"). */
export const messages = (page: Page, text: string) => page.locator('[data-testid=chat-message] .body').filter({ hasText: new RegExp(`^${escape(text)}$`) });

export async function expectOnce(page: Page, text: string, who: string): Promise<void> {
  await expectVisible(page, messages(page, text), `"${text}" in ${who}'s room`);
  const count = await messages(page, text).count();
  if (count !== 1) throw new Error(`"${text}" shown ${count} times to ${who}`);
}

export async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel(/^Message #/).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  // Acknowledged: the message carries its stored id (no longer "sending…").
  await page
    .locator('[data-testid=chat-message][data-message-id] .body')
    .filter({ hasText: new RegExp(`^${escape(text)}$`) })
    .first()
    .waitFor();
}

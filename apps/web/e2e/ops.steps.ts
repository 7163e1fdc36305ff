import type { Page } from 'playwright-core';
import { assertAccessible, type StepRunner } from './e2e-harness.js';
import { expectVisible, type Actor } from './conduit.steps.js';

export interface OpsScenario {
  origin: string;
  alice: Actor;
  users: { alice: string };
  /** The role is granted the way `npm run ops:grant` does it: straight in the database, never through the API. */
  sql: (text: string, params: unknown[]) => Promise<void>;
  /** The stack's instances and the state the page must show (the chat steps killed api-2). */
  instances: Record<string, 'ready' | 'down'>;
}

/** The text of a cell of the instances table (row = instance name, column = header). */
async function cell(page: Page, instance: string, column: number): Promise<string> {
  return (
    await page
      .getByRole('table', { name: 'Instances' })
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: instance, exact: true }) })
      .locator('td')
      .nth(column)
      .innerText()
  ).trim();
}

/** Polls the page until `check` holds (the page refreshes itself every 2 s). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`expected ${what}`);
}

/** /ops: refused without the operator role; with it, every instance, live figures and queue depths. */
export async function opsSteps(runner: StepRunner, s: OpsScenario): Promise<void> {
  const a = s.alice.page;

  await runner.step('the ops page refuses a signed-in user without the operator role', async () => {
    await a.goto(`${s.origin}/ops`);
    await expectVisible(a, a.getByRole('alert').filter({ hasText: 'This page is for operators only.' }), 'the operators-only notice');
    if ((await a.getByRole('table', { name: 'Instances' }).count()) !== 0) throw new Error('a non-operator saw the instances table');
  });

  await runner.step('an operator sees every instance and its state, live figures and queue depths', async () => {
    await s.sql('UPDATE users SET is_operator = true WHERE username = $1', [s.users.alice]);
    await a.reload();
    await expectVisible(a, a.getByRole('table', { name: 'Instances' }), 'the instances table');
    for (const [name, state] of Object.entries(s.instances)) await until(`${name} listed as ${state}`, async () => (await cell(a, name, 0)).startsWith(state));
    const status = a.getByRole('status');
    const readNumber = async () => Number(/read (\d+)/.exec(await status.innerText())?.[1] ?? 0);
    const first = await readNumber();
    await until('the page to refresh on its own', async () => (await readNumber()) >= first + 2);
    // The page's own reads are API traffic: each instance shows a request rate and a p95 once it has two reads.
    await until('a request rate and a p95 on an API instance', async () => {
      const ready = Object.keys(s.instances).filter((n) => n.startsWith('api') && s.instances[n] === 'ready');
      const figures = await Promise.all(ready.map(async (n) => [await cell(a, n, 1), await cell(a, n, 2)]));
      return figures.some(([rps, p95]) => Number(rps) > 0 && p95.endsWith(' ms'));
    });
    await expectVisible(a, a.getByRole('table', { name: 'Queues (worker)' }).getByRole('rowheader', { name: 'email' }), 'the email queue depths');
    await assertAccessible(a, 'the ops page');
  });
}

import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); playwright-core never downloads a browser here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps dialling Google hosts that this
// machine's closed network refuses (see the machine notes).
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

export interface StepResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

/**
 * Runs named steps in order, saves a screenshot of every open page after each step and on
 * failure, and stops at the first failure (later steps depend on earlier ones).
 */
export class StepRunner {
  readonly results: StepResult[] = [];
  private n = 0;
  private failed = false;
  readonly pages = new Map<string, Page>();

  constructor(readonly screenshotDir: string) {
    rmSync(screenshotDir, { recursive: true, force: true });
    mkdirSync(screenshotDir, { recursive: true });
  }

  get ok(): boolean {
    return !this.failed;
  }

  async step(name: string, run: () => Promise<void>): Promise<void> {
    if (this.failed) {
      this.results.push({ name, ok: false, ms: 0, error: 'not run (an earlier step failed)' });
      return;
    }
    const label = `${String(++this.n).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
    const started = Date.now();
    try {
      await run();
      this.results.push({ name, ok: true, ms: Date.now() - started });
      console.log(`  ok   ${name} (${Date.now() - started} ms)`);
      await this.shoot(label);
    } catch (error) {
      this.failed = true;
      const message = (error as Error).message.split('\n').slice(0, 6).join('\n');
      this.results.push({ name, ok: false, ms: Date.now() - started, error: message });
      console.log(`  FAIL ${name}: ${message}`);
      await this.shoot(`${label}-FAILED`);
    }
  }

  private async shoot(label: string): Promise<void> {
    for (const [who, page] of this.pages) {
      if (page.isClosed()) continue;
      await page.screenshot({ path: join(this.screenshotDir, `${label}-${who}.png`), fullPage: false, timeout: 10_000 }).catch(() => undefined);
    }
  }

  summary(): string {
    const passed = this.results.filter((r) => r.ok).length;
    return `${passed} passed, ${this.results.length - passed} failed`;
  }
}

/** A browser context with its own cookies and storage (one signed-in user). */
export async function newUserContext(browser: Browser, options: { viewport: { width: number; height: number }; isMobile?: boolean }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: options.viewport, isMobile: options.isMobile, hasTouch: options.isMobile, deviceScaleFactor: 1 });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.log(`  [page error] ${error.message}`));
  return { context, page };
}

/** Value of an unlabelled Prometheus sample line such as `chat_socket_connections 2`. */
export function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.trim().split(/\s+/).pop()) : NaN;
}

const AXE_SOURCE = fileURLToPath(import.meta.resolve('axe-core/axe.min.js'));

/**
 * WCAG 2 A/AA audit of the current page with axe-core (labels, contrast, roles, names).
 * Fails on serious or critical violations; minor ones are printed.
 */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) }));
  });
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of violations.filter((x) => !blocking.includes(x))) console.log(`  [a11y ${v.impact}] ${what}: ${v.id} (${v.help}) ${v.targets.join(' ')}`);
  if (blocking.length) throw new Error(`accessibility violations on ${what}: ${blocking.map((v) => `${v.id} [${v.impact}] ${v.help} at ${v.targets.join(' ')}`).join('; ')}`);
}

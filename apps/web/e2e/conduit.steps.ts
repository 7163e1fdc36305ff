import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { assertAccessible, type StepRunner } from './e2e-harness.js';

export interface Actor {
  context: BrowserContext;
  page: Page;
}

export interface ConduitScenario {
  origin: string;
  alice: Actor;
  bob: Actor;
  users: { alice: string; bob: string };
  suffix: string;
}

export async function expectVisible(page: Page, selector: Parameters<Page['locator']>[0] | ReturnType<Page['locator']>, what: string): Promise<void> {
  const locator = typeof selector === 'string' ? page.locator(selector) : selector;
  try {
    await locator.first().waitFor({ state: 'visible' });
  } catch {
    throw new Error(`expected to see ${what}`);
  }
}

async function signUp(page: Page, origin: string, username: string): Promise<void> {
  await page.goto(`${origin}/register`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Email').fill(`${username}@example.test`);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expectVisible(page, page.getByRole('link', { name: username }), `the signed-in username ${username} in the header`);
}

/** The Conduit reader: sign up (with server-side errors), publish, comment, favorite, feeds, follow. */
export async function conduitSteps(runner: StepRunner, s: ConduitScenario): Promise<void> {
  const a = s.alice.page;
  const b = s.bob.page;
  const title = `Scaling Conduit ${s.suffix}`;
  const tag = `scale${s.suffix}`;

  await runner.step('home page loads for a visitor', async () => {
    await a.goto(s.origin);
    await expectVisible(a, a.getByRole('heading', { name: 'conduit' }), 'the banner');
    await expectVisible(a, a.getByRole('link', { name: 'Global Feed' }), 'the Global Feed tab');
    await expectVisible(a, a.getByRole('heading', { name: 'Popular Tags' }), 'the tag sidebar');
    await assertAccessible(a, 'the home page');
    await b.goto(s.origin);
  });

  await runner.step('sign-up shows the server validation errors', async () => {
    await a.getByRole('link', { name: 'Sign up' }).click();
    await a.getByLabel('Username').fill(s.users.alice);
    await a.getByLabel('Email').fill('not-an-email');
    await a.getByLabel('Password').fill('short');
    await a.getByRole('button', { name: 'Sign up' }).click();
    const alert = a.getByRole('alert');
    await expectVisible(a, alert, 'an error list');
    const text = await alert.innerText();
    if (!/email is invalid/.test(text) || !/password is too short/.test(text)) throw new Error(`unexpected errors: ${text}`);
    await assertAccessible(a, 'the sign-up form with errors');
  });

  await runner.step('sign up', async () => {
    await a.getByLabel('Email').fill(`${s.users.alice}@example.test`);
    await a.getByLabel('Password').fill('correct horse battery');
    await a.getByRole('button', { name: 'Sign up' }).click();
    await expectVisible(a, a.getByRole('link', { name: s.users.alice }), 'the username in the header');
    await expectVisible(a, a.getByRole('link', { name: 'Your Feed' }), 'the Your Feed tab');
  });

  await runner.step('publish an article', async () => {
    await a.getByRole('link', { name: 'New Article' }).click();
    await a.getByLabel('Title').fill(title);
    await a.getByLabel("What's this article about?").fill('Load balancing, caches and a chat that spans instances');
    await a.getByLabel('Article body').fill('Two API instances sit behind HAProxy.\n\nThis article was written by a headless browser.');
    await a.getByLabel('Tags (press Enter after each)').fill(tag);
    await a.getByLabel('Tags (press Enter after each)').press('Enter');
    await a.getByLabel('Tags (press Enter after each)').fill('e2e');
    await a.getByRole('button', { name: 'Publish Article' }).click();
    await a.waitForURL(/\/article\//);
    await expectVisible(a, a.getByRole('heading', { name: title }), 'the article title');
    await expectVisible(a, a.getByText('This article was written by a headless browser.'), 'the second paragraph');
  });

  await runner.step('comment, and delete my own comment', async () => {
    const box = a.getByLabel('Write a comment');
    await box.fill('First comment from the browser');
    await a.getByRole('button', { name: 'Post Comment' }).click();
    await expectVisible(a, a.getByTestId('comment').filter({ hasText: 'First comment from the browser' }), 'the first comment');
    await box.fill('A comment to delete');
    await a.getByRole('button', { name: 'Post Comment' }).click();
    const doomed = a.getByTestId('comment').filter({ hasText: 'A comment to delete' });
    await expectVisible(a, doomed, 'the second comment');
    await doomed.getByRole('button', { name: 'Delete comment' }).click();
    await doomed.waitFor({ state: 'detached' });
    await a.reload();
    await expectVisible(a, a.getByTestId('comment').filter({ hasText: 'First comment from the browser' }), 'the first comment after reload');
    if ((await a.getByTestId('comment').count()) !== 1) throw new Error('the deleted comment came back after reload');
    await assertAccessible(a, 'the article page');
  });

  await runner.step('favorite updates at once and persists', async () => {
    // Own article: the author sees Edit/Delete, so favorite from the feed's preview instead.
    await a.getByRole('link', { name: 'Home' }).click();
    await a.getByRole('link', { name: 'Global Feed' }).click();
    const preview = a.getByTestId('article-preview').filter({ hasText: title });
    await expectVisible(a, preview, 'the new article in the global feed');
    const button = preview.getByTestId('favorite-button');
    await button.click();
    // Optimistic: pressed and counted before the server answers (checked right after the click).
    if ((await button.getAttribute('aria-pressed')) !== 'true') throw new Error('favorite button did not flip at once');
    await a.waitForFunction(
      (t) =>
        [...document.querySelectorAll('[data-testid=article-preview]')].some(
          (el) => el.textContent?.includes(t) && el.querySelector('[data-testid=favorite-button]')?.textContent?.trim().endsWith('1'),
        ),
      title,
    );
    await a.reload();
    const after = a.getByTestId('article-preview').filter({ hasText: title }).getByTestId('favorite-button');
    await expectVisible(a, after, 'the preview after reload');
    if ((await after.getAttribute('aria-pressed')) !== 'true' || !(await after.innerText()).trim().endsWith('1')) throw new Error('favorite did not persist');
  });

  await runner.step('tag filter shows the article', async () => {
    await a.getByRole('link', { name: `Articles tagged ${tag}` }).click();
    await a.waitForURL(new RegExp(`\\?tag=${tag}`));
    await expectVisible(a, a.getByText(`# ${tag}`), 'the tag tab');
    await expectVisible(a, a.getByTestId('article-preview').filter({ hasText: title }), 'the article under its tag');
  });

  await runner.step('profile shows my articles and favorites', async () => {
    await a.getByRole('link', { name: s.users.alice }).first().click();
    await expectVisible(a, a.getByRole('heading', { name: s.users.alice }), 'the profile heading');
    await expectVisible(a, a.getByTestId('article-preview').filter({ hasText: title }), 'the article under My Articles');
    await a.getByRole('link', { name: 'Favorited Articles' }).click();
    await a.waitForURL(/\/favorites$/);
    await expectVisible(a, a.getByTestId('article-preview').filter({ hasText: title }), 'the article under Favorited Articles');
  });

  await runner.step('second user on a phone follows the author and sees the article in Your Feed', async () => {
    await signUp(b, s.origin, s.users.bob);
    await b.goto(`${s.origin}/profile/${s.users.alice}`);
    const follow = b.getByTestId('follow-button');
    await expectVisible(b, follow, 'the follow button');
    await follow.click();
    if ((await follow.getAttribute('aria-pressed')) !== 'true') throw new Error('follow button did not flip at once');
    await expectVisible(b, b.getByRole('button', { name: `Unfollow ${s.users.alice}` }), 'the Unfollow button');
    await b.goto(`${s.origin}/?feed=following`);
    await expectVisible(b, b.getByTestId('article-preview').filter({ hasText: title }), "the followed author's article in Your Feed");
    const overflow = await b.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) throw new Error(`the page is ${overflow}px wider than the phone screen`);
    await assertAccessible(b, 'Your Feed on a phone');
  });

  await runner.step('edit and delete my own article', async () => {
    a.on('dialog', (dialog) => void dialog.accept());
    await a.goto(`${s.origin}/editor`);
    await a.getByLabel('Title').fill(`Draft ${s.suffix}`);
    await a.getByLabel("What's this article about?").fill('to be edited, then deleted');
    await a.getByLabel('Article body').fill('draft body');
    await a.getByRole('button', { name: 'Publish Article' }).click();
    await expectVisible(a, a.getByRole('heading', { name: `Draft ${s.suffix}` }), 'the draft');
    await a.getByRole('link', { name: 'Edit Article' }).click();
    await a.waitForURL(/\/editor\//);
    const titleInput = a.getByLabel('Title');
    await a.waitForFunction(() => (document.getElementById('article-title') as HTMLInputElement | null)?.value.startsWith('Draft'));
    await titleInput.fill(`Edited draft ${s.suffix}`);
    await a.getByRole('button', { name: 'Publish Article' }).click();
    await expectVisible(a, a.getByRole('heading', { name: `Edited draft ${s.suffix}` }), 'the edited title');
    await a.getByRole('button', { name: 'Delete Article' }).click();
    await a.waitForURL(`${s.origin}/`);
    await expectVisible(a, a.getByTestId('article-preview').filter({ hasText: title }), 'the remaining article');
    if ((await a.getByTestId('article-preview').filter({ hasText: 'Edited draft' }).count()) !== 0) throw new Error('the deleted article is still listed');
  });

  await runner.step('settings: profile fields and avatar upload', async () => {
    await a.getByRole('link', { name: 'Settings' }).click();
    await a.getByLabel('Short bio about you').fill('I write articles from a headless browser.');
    await a.getByRole('button', { name: 'Update Settings' }).click();
    await expectVisible(a, a.getByText('Settings saved.'), 'the saved notice');
    // The upload goes to POST /api/user/image; the worker resizes it and sets the user's image.
    const png = await sharp({ create: { width: 96, height: 96, channels: 3, background: '#2e7d32' } })
      .png()
      .toBuffer();
    await a.getByLabel('Upload a new picture').setInputFiles({ name: 'avatar.png', mimeType: 'image/png', buffer: png });
    await a
      .getByText('New picture saved.')
      .waitFor({ timeout: 30_000 })
      .catch(async () => {
        throw new Error(`avatar not processed: ${await a.locator('[role=status], [role=alert]').allInnerTexts()}`);
      });
    const src = await a.locator('header img.avatar').getAttribute('src');
    if (!src) throw new Error('no avatar image in the header');
    const image = await a.evaluate(async (url) => (await fetch(url)).headers.get('content-type'), src);
    if (!image?.startsWith('image/')) throw new Error(`avatar URL ${src} did not serve an image (${image})`);
    await assertAccessible(a, 'the settings page');
  });

  await runner.step('sign out, then sign in with the keyboard only', async () => {
    await a.getByRole('button', { name: 'Or click here to logout.' }).click();
    await expectVisible(a, a.getByRole('link', { name: 'Sign in' }), 'the Sign in link');
    await a.goto(`${s.origin}/login`);
    // The login form must be rendered before the first Tab, or focus starts from the app shell.
    await expectVisible(a, a.locator('#auth-email'), 'the email field');
    await a.keyboard.press('Tab'); // skip link
    await a.keyboard.press('Enter'); // jump to main
    await a.keyboard.press('Tab'); // "Need an account?"
    await a.keyboard.press('Tab');
    if ((await a.evaluate(() => document.activeElement?.id)) !== 'auth-email') throw new Error('Tab order did not reach the email field');
    await a.keyboard.type(`${s.users.alice}@example.test`);
    await a.keyboard.press('Tab');
    await a.keyboard.type('correct horse battery');
    await a.keyboard.press('Enter');
    await expectVisible(a, a.getByRole('link', { name: s.users.alice }), 'the username after a keyboard sign-in');
  });
}

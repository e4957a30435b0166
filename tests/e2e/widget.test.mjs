// The embeddable widget on a library's own website (a second loopback origin): the
// button opens a panel holding the chat page in an iframe; a question asked there is
// answered from the console and the reply shows inside the widget.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO, desktopContext, screenshot, openConsole, startWithBrowser, stopWithBrowser, openPage, askQuestion,
} from './server.mjs';

let stack;
let browser;

before(async () => ({ stack, browser } = await startWithBrowser()));

after(() => stopWithBrowser({ stack, browser }));

test('the widget on another origin carries a whole chat', async () => {
  const problems = [];
  const { ctx: staffCtx, page: staff } = await openConsole(browser, stack.base, DEMO.jen, problems);

  const { ctx: siteCtx, page: site } = await openPage(browser, { context: desktopContext, problems, url: stack.hostBase + '/' });
  assert.notEqual(new URL(stack.hostBase).origin, new URL(stack.base).origin);

  // One container, one global.
  const launcher = site.getByRole('button', { name: 'Ask a librarian' });
  await launcher.waitFor();
  assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
  assert.equal(await site.locator('body > #rapport-widget').count(), 1);
  const globals = await site.evaluate(() => Object.keys(window).filter((k) => /rapport/i.test(k)));
  assert.deepEqual(globals, ['rapportWidget']);

  await launcher.click();
  assert.equal(await launcher.getAttribute('aria-expanded'), 'true');
  const panelId = await launcher.getAttribute('aria-controls');
  const panel = site.locator(`#rapport-widget #${panelId}`);
  await panel.waitFor({ state: 'visible' });
  const iframe = panel.locator('iframe');
  const src = new URL(await iframe.getAttribute('src'));
  assert.equal(src.origin, new URL(stack.base).origin);
  assert.equal(src.pathname, '/chat');
  assert.equal(src.searchParams.get('embed'), '1');
  assert.equal(src.searchParams.get('library'), 'demo');

  const chat = site.frameLocator('#rapport-widget iframe');
  const question = 'Can I renew a book that is already overdue?';
  await askQuestion(chat, question);
  await chat.getByRole('heading', { name: /^You're (number \d+ )?in the queue$/ }).waitFor();

  const item = staff.locator('#queue-list .q-item', { hasText: question });
  await item.getByRole('button', { name: 'Pick up' }).click();
  await chat.getByText('Jen Ortiz joined').waitFor();

  const reply = 'Yes, once, online or at the desk. There is no fine for the first week.';
  const box = staff.getByLabel('Reply to the patron');
  await box.fill(reply);
  await box.press('Enter');
  await chat.locator('.msg', { hasText: reply }).waitFor();
  assert.equal(await chat.locator('#log .msg').count(), 2);
  // The embedded page drops its own header; the widget's panel has one.
  assert.equal(await chat.locator('.chat-header').isVisible(), false);

  await screenshot(site, 'widget-open-on-host-page.png');

  // Escape inside the chat closes the panel and gives focus back to the button.
  await chat.getByLabel('Your message').focus();
  await chat.getByLabel('Your message').press('Escape');
  await panel.waitFor({ state: 'hidden' });
  assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
  assert.equal(await launcher.evaluate((b) => b.getRootNode().activeElement === b), true);

  // On a phone the panel fills the screen.
  await site.setViewportSize({ width: 390, height: 844 });
  await launcher.click();
  const box2 = await panel.boundingBox();
  assert.ok(box2 && box2.width >= 389 && box2.height >= 843, `panel is full screen: ${JSON.stringify(box2)}`);
  await screenshot(site, 'widget-open-phone.png');
  await site.keyboard.press('Escape');

  const bad = problems.filter((p) => /Content Security Policy|pageerror|frame-ancestors|Refused/i.test(p));
  assert.deepEqual(bad, [], 'no script errors or CSP violations');
  await siteCtx.close();
  await staffCtx.close();
});

test('the demo library website (demo mode, port + 1) embeds a working widget', async () => {
  const problems = [];
  const { ctx, page } = await openPage(browser, { context: desktopContext, timeout: 5000, problems, url: stack.demoSite + '/' });
  await page.getByRole('heading', { name: /here to help/ }).waitFor();
  try {
    await page.getByRole('button', { name: 'Ask a librarian' }).click();
    const chat = page.frameLocator('#rapport-widget iframe');
    await chat.getByLabel('Your question').waitFor();
    await chat.locator('#staff-on', { hasText: /on now|No one is on/ }).waitFor();
  } finally {
    await screenshot(page, 'demo-site.png');
  }
  const bad = problems.filter((p) => /Content Security Policy|pageerror/i.test(p));
  assert.deepEqual(bad, [], 'no script errors or CSP violations');
  await ctx.close();
});

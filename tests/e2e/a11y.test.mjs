// Accessibility smoke test: axe-core finds no serious or critical violations on the
// patron chat page (question form and an open chat) and the console's sign-in page, and
// on the relationship panels: "Remember me", the console's card, "My profile".

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, desktopContext, consoleLogin, startWithBrowser, stopWithBrowser, openPage, askQuestion, serious } from './server.mjs';

let stack;
let browser;

before(async () => ({ stack, browser } = await startWithBrowser()));

after(() => stopWithBrowser({ stack, browser }));

test('the patron chat page has no serious accessibility violations', async () => {
  const { ctx, page } = await openPage(browser, { url: stack.base + '/chat' });
  await page.getByLabel('Your question').waitFor();
  assert.deepEqual(await serious(page), []);

  await askQuestion(page, 'Where can I print a document?');
  await page.getByRole('heading', { name: /in the queue/ }).waitFor();
  assert.deepEqual(await serious(page), []);
  await ctx.close();
});

test('the console sign-in page has no serious accessibility violations', async () => {
  const { ctx, page } = await openPage(browser, { context: desktopContext, url: stack.base + '/console' });
  await page.getByLabel('Email').waitFor();
  assert.deepEqual(await serious(page), []);
  await ctx.close();
});

test('the relationship panels have no serious accessibility violations', async () => {
  const { ctx: pctx, page: patron } = await openPage(browser, { url: stack.base + '/chat' });
  await patron.getByRole('button', { name: 'Remember me…' }).click();
  await patron.getByRole('dialog', { name: 'Remember me' }).waitFor();
  assert.deepEqual(await serious(patron), []);
  await patron.getByRole('button', { name: 'Not now' }).click();

  const { ctx: sctx, page: staff } = await openPage(browser, { context: desktopContext });
  await consoleLogin(staff, stack.base, DEMO.jen);
  await askQuestion(patron, 'Do you have study rooms?');
  await staff.locator('#queue-list .q-item', { hasText: 'study rooms' }).getByRole('button', { name: 'Pick up' }).click();
  await staff.locator('#card', { hasText: 'nothing is remembered' }).waitFor();
  assert.deepEqual(await serious(staff), []);

  await staff.getByRole('button', { name: 'My profile' }).click();
  await staff.getByRole('dialog', { name: 'My profile' }).getByLabel('Name').waitFor();
  assert.deepEqual(await serious(staff), []);
  await pctx.close();
  await sctx.close();
});

test('the Administration page, each tab, and the set-password page have none either', async () => {
  const { ctx, page: sam } = await openPage(browser, { context: desktopContext });
  await consoleLogin(sam, stack.base, DEMO.sam);
  await sam.getByRole('button', { name: 'Administration' }).click();
  for (const [tab, ready] of [['Queues', '#admin-queues .admin-item'], ['Staff', '#admin-staff table'],
    ['Library settings', '#al-notes']]) {
    await sam.getByRole('tab', { name: tab }).click();
    await sam.locator(ready).first().waitFor();
    if (tab === 'Queues') await sam.getByRole('button', { name: /^Edit / }).first().click();
    assert.deepEqual(await serious(sam), [], tab);
  }
  await sam.goto(stack.base + '/set-password?t=' + 'x'.repeat(43));
  await sam.locator('#status', { hasText: 'already used or has expired' }).waitFor();
  assert.deepEqual(await serious(sam), []);
  await ctx.close();
});

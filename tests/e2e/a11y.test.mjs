// Accessibility smoke test: axe-core finds no serious or critical violations on the
// patron chat page (question form and an open chat) and the console's sign-in page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import AxeBuilder from '@axe-core/playwright';
import { startStack, launchBrowser, phoneContext, desktopContext } from './server.mjs';

let stack;
let browser;

before(async () => {
  stack = await startStack();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

async function serious(page) {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} -> ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('the patron chat page has no serious accessibility violations', async () => {
  const ctx = await phoneContext(browser);
  ctx.setDefaultTimeout(10000);
  const page = await ctx.newPage();
  await page.goto(stack.base + '/chat');
  await page.getByLabel('Your question').waitFor();
  assert.deepEqual(await serious(page), []);

  await page.getByLabel('Your question').fill('Where can I print a document?');
  await page.getByRole('button', { name: 'Ask a librarian' }).click();
  await page.getByRole('heading', { name: /in the queue/ }).waitFor();
  assert.deepEqual(await serious(page), []);
  await ctx.close();
});

test('the console sign-in page has no serious accessibility violations', async () => {
  const ctx = await desktopContext(browser);
  ctx.setDefaultTimeout(10000);
  const page = await ctx.newPage();
  await page.goto(stack.base + '/console');
  await page.getByLabel('Email').waitFor();
  assert.deepEqual(await serious(page), []);
  await ctx.close();
});

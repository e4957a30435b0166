// A librarian who already holds as many chats as allowed (max_chats in the staff
// welcome) sees "Pick up" disabled, with the reason, until a place frees.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO, until, openConsole, startWithBrowser, stopWithBrowser,
} from './server.mjs';
import { queuedPatron, staffWelcome } from './protocol-clients.mjs';

let stack;
let browser;
const patrons = [];

before(async () => ({ stack, browser } = await startWithBrowser()));

after(async () => {
  for (const p of patrons) p.close();
  await stopWithBrowser({ stack, browser });
});

test('at the cap Pick up is disabled with the reason, and comes back when a chat ends', async () => {
  const welcome = await staffWelcome(stack.base, DEMO.jen);
  const max = welcome.staff.max_chats;
  assert.ok(Number.isInteger(max) && max >= 1, `max_chats is ${max}`);

  for (let i = 1; i <= max + 1; i++) {
    // Markup in a question is text, never HTML.
    const tail = i === 1 ? ' <img src=x onerror="window.__pwned=1">' : '';
    patrons.push(await queuedPatron(stack.base, `Question number ${i} for the desk${tail}`));
  }

  const problems = [];
  const { ctx: ctx, page: page } = await openConsole(browser, stack.base, DEMO.jen, problems);
  await page.locator('#queue-list .q-item').nth(max).waitFor();
  assert.equal(await page.locator('#queue-list .q-item').count(), max + 1);
  await page.locator('#cap', { hasText: `0 of ${max} chats` }).waitFor();
  await page.locator('#queue-list .q-question', { hasText: '<img src=x onerror="window.__pwned=1">' }).waitFor();
  assert.equal(await page.locator('#queue-list img').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);

  for (let i = 1; i <= max; i++) {
    const item = page.locator('#queue-list .q-item', { hasText: `Question number ${i} for the desk` });
    await item.getByRole('button', { name: 'Pick up' }).click();
    await page.locator('#cap', { hasText: `${i} of ${max} chats` }).waitFor();
    await page.locator('#logs .log:not([hidden]) .msg', { hasText: `Question number ${i} for the desk` }).waitFor();
  }
  assert.equal(await page.locator('#mine-list .mine-item').count(), max);

  // At the cap "Pick up" is disabled, with the reason shown (and read with the button).
  const last = page.locator('#queue-list .q-item', { hasText: `Question number ${max + 1} for the desk` });
  const button = last.getByRole('button', { name: 'Pick up' });
  await page.locator('#queue-why', { hasText: `You have ${max} chats, your limit.` }).waitFor();
  assert.equal(await button.isDisabled(), true);
  assert.match(await button.getAttribute('aria-describedby'), /\bqueue-why\b/);
  assert.equal(await page.locator('#cap').textContent(), `${max} of ${max} chats`);
  assert.equal(await page.locator('#mine-list .mine-item').count(), max);
  // A place frees: the button is usable again and the reason goes.
  await page.locator('#mine-list .mine-item').first().click();
  await page.getByRole('button', { name: 'End chat' }).click();
  await page.locator('#cap', { hasText: `${max - 1} of ${max} chats` }).waitFor();
  await until(() => button.isEnabled(), 5000, 'Pick up enabled again');
  assert.equal(await page.locator('#queue-why').isHidden(), true);
  await button.click();
  await page.locator('#cap', { hasText: `${max} of ${max} chats` }).waitFor();
  assert.deepEqual(problems.filter((p) => /pageerror|Content Security Policy/.test(p)), []);
  await ctx.close();
});

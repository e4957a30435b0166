// When a wait grows past what we said, the patron may leave the question by e-mail
// instead: the queued chat ends and the question comes back, ready to send as an offline
// question, which becomes a case the console lists. (Making a real wait grow takes more
// than a minute, so the test reveals the notice the way the page does when the server
// says the wait grew, and then uses it as a patron would.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, startStack, launchBrowser, phoneContext, desktopContext, consoleLogin, watchPage } from './server.mjs';

let stack;
let browser;

before(async () => {
  // an offline question needs a server that can send e-mail (without one it is refused);
  // nothing listens on port 9, which is fine: only the case matters here
  stack = await startStack({ extraArgs: () => ['--smtp-url', 'smtp://127.0.0.1:9'] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('a grown wait: leave the question by e-mail instead', async () => {
  const problems = [];
  const staffCtx = await desktopContext(browser);
  staffCtx.setDefaultTimeout(10000);
  const staff = await staffCtx.newPage();
  watchPage(staff, problems);
  await consoleLogin(staff, stack.base, DEMO.jen);

  const patronCtx = await phoneContext(browser);
  patronCtx.setDefaultTimeout(10000);
  const patron = await patronCtx.newPage();
  watchPage(patron, problems);
  await patron.goto(stack.base + '/chat');
  const question = 'Can someone check whether the 1911 census microfilm is back?';
  await patron.getByLabel('Your question').fill(question);
  await patron.getByRole('button', { name: 'Ask a librarian' }).click();
  await patron.getByRole('heading', { name: "You're number 1 in the queue" }).waitFor();
  await staff.locator('#queue-list .q-item', { hasText: question }).waitFor();

  // the notice, as shown when the server reports that the wait grew
  await patron.evaluate(() => { document.getElementById('wait-grew').hidden = false; });
  await patron.getByRole('button', { name: 'Leave a question by e-mail instead' }).click();

  // the chat left the queue, and the question waits in the start form with the e-mail field
  await staff.getByText('No one is waiting right now.').waitFor();
  assert.equal(await patron.getByLabel('Your question').inputValue(), question);
  const email = patron.getByLabel('Your e-mail address');
  await email.waitFor();
  await email.fill('reader@example.org');
  await patron.getByRole('button', { name: 'Leave it by e-mail instead' }).click();
  await patron.locator('#offline-status', { hasText: 'We have your question and will answer by e-mail' }).waitFor();

  // it became a case the librarians see
  const cases = await staff.evaluate(async () => (await fetch('/api/v1/cases')).json());
  const found = (cases.cases || []).find((c) => c.question === 'Can someone check whether the 1911 census microfilm is back?');
  assert.ok(found, JSON.stringify(cases).slice(0, 300));
  assert.equal(found.email, 'reader@example.org');
  // (the console's first look for a session before signing in answers 401, as designed)
  assert.deepEqual(problems.filter((p) => /Content Security Policy|pageerror/i.test(p)), []);
});

// An e-mail that cannot be delivered shows to admins in the console, with the last error
// and a Retry. rapport's SMTP server is a loopback port where nothing listens, and a mail
// is dead after one attempt, so the patron's transcript e-mail fails at once.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  DEMO, desktopContext, consoleLogin, screenshot, openPatron, startWithBrowser, stopWithBrowser, openPage, askQuestion,
} from './server.mjs';

let stack;
let browser;

/** A loopback port with nothing listening on it. */
function closedPort() {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

before(async () => {
  const port = await closedPort();
  ({ stack, browser } = await startWithBrowser({
    extraArgs: ({ base }) => ['--smtp-url', `smtp://127.0.0.1:${port}`, '--mail-attempts', '1',
      '--public-url', base],
  }));
});

after(() => stopWithBrowser({ stack, browser }));

test('an undelivered e-mail shows to admins with its error, and can be retried', async () => {
  const problems = [];
  const { ctx: patronCtx, page: patron } = await openPatron(browser, stack.base, problems);
  await askQuestion(patron, 'Where can I find the 1930s town council minutes?');
  await patron.getByRole('heading', { name: "You're number 1 in the queue" }).waitFor();
  const toggle = patron.getByRole('button', { name: 'E-mail me this conversation' });
  await toggle.click();
  await patron.getByLabel('Send it to').fill('minutes@example.org');
  await patron.locator('#mail-form').getByRole('button', { name: 'Send', exact: true }).click();
  await patron.locator('#mail-status').getByText('Queued to send to minutes@example.org').waitFor();

  // Sam is an admin: the console lists the mail that could not be sent, and why.
  const { page: sam } = await openPage(browser, { context: desktopContext, timeout: 15000, problems });
  await consoleLogin(sam, stack.base, DEMO.sam);
  const section = sam.locator('#deadmail');
  await section.getByRole('heading', { name: 'Undelivered e-mail' }).waitFor();
  let item = section.locator('.deadmail-item', { hasText: 'Transcript to minutes@example.org' });
  for (let i = 0; i < 20 && !(await item.count()); i++) {
    await sam.waitForTimeout(500);
    await sam.reload(); // the list loads with the console; the mail dies within a second
    item = sam.locator('#deadmail .deadmail-item', { hasText: 'Transcript to minutes@example.org' });
  }
  await item.waitFor();
  assert.match(await item.locator('.deadmail-why').textContent(), /1 attempt · .*(connect|Connect)/);
  // the counts in the words /healthz uses
  await section.getByText(/E-mail: \d+ queued · \d+ sent · 1 undeliverable\./).waitFor();
  await screenshot(sam, 'deadmail.png');
  await item.getByRole('button', { name: 'Retry the e-mail to minutes@example.org' }).click();
  await sam.locator('#deadmail').getByText('Sending the e-mail to minutes@example.org again.').waitFor();

  // Jen is a librarian: no such section.
  const { page: jen } = await openPage(browser, { context: desktopContext, timeout: null });
  await consoleLogin(jen, stack.base, DEMO.jen);
  assert.equal(await jen.locator('#deadmail').isVisible(), false);
  assert.deepEqual(problems.filter((p) => /Content Security Policy|pageerror/i.test(p)), []);
});

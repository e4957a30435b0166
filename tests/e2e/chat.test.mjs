// The whole story of one chat, in two browsers: a librarian at the console, a patron on
// a phone. Question, queue position, pick-up, typing both ways, a reload mid-chat that
// shows the whole conversation and loses or repeats nothing, and the end.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO, screenshot, until, openConsole, openPatron, startWithBrowser, stopWithBrowser, askQuestion,
} from './server.mjs';

let stack;
let browser;

before(async () => ({ stack, browser } = await startWithBrowser()));

after(() => stopWithBrowser({ stack, browser }));

const texts = (loc) => loc.evaluateAll((els) => els.map((e) => e.querySelector('.msg-text').textContent));

test('a patron asks, a librarian answers, a reload loses nothing, the chat ends', async () => {
  const problems = [];

  // The librarian signs in and finds nobody waiting.
  const { ctx: staffCtx, page: staff } = await openConsole(browser, stack.base, DEMO.jen, problems);
  await staff.getByText('No one is waiting right now.').waitFor();
  assert.equal(await staff.locator('#queue-list .q-item').count(), 0);
  await staff.locator('#cap', { hasText: /^0 of \d+ chats?$/ }).waitFor();

  // A patron on a phone opens the chat page and sees honestly who is on.
  const { ctx: patronCtx, page: patron } = await openPatron(browser, stack.base, problems);
  await patron.locator('#staff-on', { hasText: /^(\d+ librarians? on now|No one is on right now)$/ }).waitFor();
  await patron.locator('#library-name', { hasText: /\S/ }).waitFor();

  const question = 'Do you have books on the history of the Erie Canal?';
  await askQuestion(patron, question);
  await patron.getByRole('heading', { name: "You're number 1 in the queue" }).waitFor();
  await patron.locator('.msg.msg--mine', { hasText: question }).locator('.msg-status', { hasText: 'Sent' }).waitFor();

  // The librarian sees the question, with its wait, and picks it up.
  const item = staff.locator('#queue-list .q-item', { hasText: question });
  await item.waitFor();
  await item.locator('.q-wait', { hasText: /^waiting / }).waitFor();
  await item.getByRole('button', { name: 'Pick up' }).click();
  const staffLog = staff.locator('#logs .log:not([hidden])');
  await staffLog.locator('.msg', { hasText: question }).waitFor();
  await staff.locator('#pane-heading', { hasText: /^Chat #\d+/ }).waitFor();
  await staff.getByText('No one is waiting right now.').waitFor();
  await staff.locator('#cap', { hasText: /^1 of \d+ chats?$/ }).waitFor();

  // The patron sees who has arrived.
  await patron.getByText('Jen Ortiz joined').waitFor();
  await patron.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();

  // Typing, patron -> librarian.
  const patronBox = patron.getByLabel('Your message');
  await patronBox.pressSequentially('Thanks! It is for a', { delay: 15 });
  await staff.locator('#typing', { hasText: 'Patron is typing…' }).waitFor();
  await patronBox.pressSequentially(' school report.', { delay: 5 });
  await patronBox.press('Enter');
  const patronMsg1 = 'Thanks! It is for a school report.';
  await staffLog.locator('.msg', { hasText: patronMsg1 }).waitFor();
  await until(async () => (await staff.locator('#typing').textContent()) === '', 5000, 'patron typing to clear');

  // Typing, librarian -> patron, then a reply.
  const staffBox = staff.getByLabel('Reply to the patron');
  await staffBox.pressSequentially('Happy to help', { delay: 15 });
  await patron.locator('#typing', { hasText: 'Jen Ortiz is typing…' }).waitFor();
  const reply = 'Happy to help! Try "Erie Water West" by Ronald Shaw, on the second floor.';
  await staffBox.fill(reply);
  await staffBox.press('Enter');
  await patron.locator('.msg', { hasText: reply }).waitFor();
  await until(async () => (await patron.locator('#typing').textContent()) === '', 5000, 'staff typing to clear');
  await staffLog.locator('.msg.msg--mine', { hasText: reply }).locator('.msg-status', { hasText: 'Sent' }).waitFor();

  const patronMsgs = patron.locator('#log .msg');
  await until(async () => (await patronMsgs.count()) === 3, 5000, 'three messages on the patron side');
  assert.deepEqual(await texts(patronMsgs), [question, patronMsg1, reply]);
  await until(async () => (await staffLog.locator('.msg').count()) === 3, 5000, 'three messages at the console');
  assert.deepEqual(await texts(staffLog.locator('.msg')), [question, patronMsg1, reply]);

  await screenshot(patron, 'patron-phone-mid-chat.png');
  await screenshot(staff, 'console-chat-open.png');

  // The patron reloads mid-chat: the whole conversation is back, once.
  await patron.reload();
  await patron.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();
  await until(async () => (await patronMsgs.count()) === 3, 5000, 'the transcript after reload');
  assert.deepEqual(await texts(patronMsgs), [question, patronMsg1, reply]);
  assert.equal(await patron.getByText('Jen Ortiz joined').count(), 1);

  // ...and carries on; the librarian gets that message exactly once.
  const after = 'Is it available to borrow this week?';
  await patron.getByLabel('Your message').fill(after);
  await patron.getByRole('button', { name: 'Send' }).click();
  await staffLog.locator('.msg', { hasText: after }).waitFor();
  await patron.locator('.msg', { hasText: after }).locator('.msg-status', { hasText: 'Sent' }).waitFor();
  await staff.waitForTimeout(500);
  assert.equal(await staffLog.locator('.msg', { hasText: after }).count(), 1);
  assert.equal(await patron.locator('.msg', { hasText: after }).count(), 1);
  assert.deepEqual(await texts(staffLog.locator('.msg')), [question, patronMsg1, reply, after]);

  // The librarian ends the chat; the patron sees it ended and may start again.
  await staff.getByRole('button', { name: 'End chat' }).click();
  await staff.locator('#pane-ended', { hasText: 'This chat has ended.' }).waitFor();
  await patron.getByText('This chat has ended.').waitFor();
  await patron.getByRole('heading', { name: 'Chat ended' }).waitFor();
  assert.equal(await patron.getByLabel('Your message').isVisible(), false);
  await patron.getByRole('button', { name: 'Start a new chat' }).click();
  await patron.getByLabel('Your question').waitFor();
  await staff.locator('#cap', { hasText: /^0 of \d+ chats?$/ }).waitFor();

  // The console session survives a reload (GET /me), and logging out ends it.
  await staff.reload();
  await staff.locator('#me-name', { hasText: 'Jen Ortiz' }).waitFor();
  await staff.getByText('No one is waiting right now.').waitFor();
  await staff.getByRole('button', { name: 'Log out' }).click();
  await staff.getByLabel('Email').waitFor();
  await staff.reload();
  await staff.getByRole('heading', { name: 'Sign in to the reference desk' }).waitFor();
  assert.equal(await staff.locator('#desk-view').isVisible(), false);

  const bad = problems.filter((p) => /Content Security Policy|pageerror/i.test(p));
  assert.deepEqual(bad, [], 'no script errors or CSP violations');
  await patronCtx.close();
  await staffCtx.close();
});

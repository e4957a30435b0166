// "Remember me" during a chat, end to end: an anonymous patron on a phone (390x844) asks
// a question, Jen picks it up, and the patron chooses "Remember me" from the chat view.
// Jen's card changes live (no reload) from "nothing is remembered" to a first-time card
// (no "welcome back", no quoted patron text) and she adds a note. On the patron's next
// chat the start page greets her by name (no "You don't need to give your name"), and
// Jen's card lists the first chat's question and her note, marked "Returning".

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO, screenshot, openConsole, openPatron, startWithBrowser, stopWithBrowser, askQuestion,
} from './server.mjs';

let stack;
let browser;

before(async () => ({ stack, browser } = await startWithBrowser()));

after(() => stopWithBrowser({ stack, browser }));

const Q1 = 'Me again! I found two articles but cannot get the full text of either';
const Q2 = 'Could you help me with interlibrary loan for one of them?';
const NOTE = 'Nursing student; full text via the health sciences databases.';

test('a patron opts in during a chat; Jen sees it live, adds a note, and sees it next time', async () => {
  const problems = [];
  const { ctx: jenCtx, page: jen } = await openConsole(browser, stack.base, DEMO.jen, problems);

  const { ctx: patronCtx, page: patron } = await openPatron(browser, stack.base, problems);
  await patron.getByRole('heading', { name: 'How can we help?' }).waitFor();
  await patron.getByText("You don't need to give your name", { exact: false }).waitFor();
  await askQuestion(patron, Q1);

  const item = jen.locator('#queue-list .q-item', { hasText: Q1 });
  await item.waitFor();
  assert.equal(await item.locator('.badge', { hasText: 'Returning' }).count(), 0);
  await item.getByRole('button', { name: 'Pick up' }).click();
  await patron.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();
  const card = jen.locator('#card');
  await card.getByText('Anonymous patron', { exact: false }).waitFor();

  // The patron opts in from the chat view, without leaving the chat.
  const offer = patron.locator('#remember-inline');
  await offer.getByText('Shall we remember you?').waitFor();
  await screenshot(patron, 'remember-chat-offer.png');
  await offer.getByRole('button', { name: 'Remember me…' }).click();
  const rem = patron.getByRole('dialog', { name: 'Remember me' });
  await rem.getByText(/forget you at any time/).waitFor();
  // one name field, asked once
  const nameFields = await rem.locator('label', { hasText: /name|call you/i }).count();
  assert.equal(nameFields, 1, 'the form asks for a name once');
  await rem.getByLabel('What should we call you?').fill('Maya');
  await rem.getByLabel('Pronouns').fill('she/her');
  await screenshot(patron, 'remember-chat-form.png');
  await rem.getByRole('button', { name: 'I agree, remember me' }).click();
  await rem.waitFor({ state: 'hidden' });
  await patron.locator('#memory-bar', { hasText: 'Remembered as Maya' }).waitFor();
  await patron.locator('#memory-status', { hasText: 'this chat included' }).waitFor();
  await offer.waitFor({ state: 'hidden' });
  assert.equal(await patron.locator('#composer').isVisible(), true, 'still in the chat');
  await screenshot(patron, 'remember-chat-remembered.png');

  // Jen's card changes by itself: a first-time card, and she can add a note.
  await card.getByRole('heading', { name: /Maya/ }).waitFor();
  await card.locator('.card-tenure', { hasText: 'New to us' }).waitFor();
  assert.equal(await card.locator('.badge', { hasText: 'Returning' }).count(), 0, 'first chat shown as returning');
  await card.getByText('No earlier chats.').waitFor();
  const opener1 = (await card.locator('.opener-text').textContent()) || '';
  assert.match(opener1, /^Hi Maya\b/);
  assert.ok(!/welcome back/i.test(opener1), `first-time opener: ${opener1}`);
  assert.ok(!/[“”"]/.test(opener1) && !opener1.includes('articles'), `opener quotes the patron: ${opener1}`);
  await jen.locator('#pane-heading', { hasText: 'Maya' }).waitFor();
  // the question she asked before opting in is hers by name now too
  await jen.locator('.msg', { hasText: Q1 }).locator('.msg-name', { hasText: 'Maya' }).waitFor();
  await card.getByLabel('New note').fill(NOTE);
  await card.getByRole('button', { name: 'Add note' }).click();
  await card.locator('.note-body', { hasText: NOTE }).waitFor();
  await screenshot(jen, 'remember-console-live-card.png');

  // Jen's transcript names her from now on.
  await patron.getByLabel('Your message').fill('Thank you!');
  await patron.getByLabel('Your message').press('Enter');
  await jen.locator('.msg', { hasText: 'Thank you!' }).getByText('Maya').waitFor();
  await jen.locator('#end-btn').click();
  await patron.getByRole('heading', { name: 'Chat ended' }).waitFor();

  // Next chat: greeted by name; the card lists the first chat and the note.
  await patron.getByRole('button', { name: 'Start a new chat' }).click();
  await patron.getByRole('heading', { name: 'Welcome back, Maya' }).waitFor();
  assert.equal(await patron.getByText("You don't need to give your name", { exact: false }).count(), 0);
  await screenshot(patron, 'remember-start-remembered.png');
  await askQuestion(patron, Q2);
  const item2 = jen.locator('#queue-list .q-item', { hasText: Q2 });
  await item2.locator('.badge', { hasText: 'Returning' }).waitFor();
  await item2.getByRole('button', { name: 'Pick up' }).click();
  await patron.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();
  await card.locator('.history-q', { hasText: Q1 }).waitFor();
  await card.locator('.note-body', { hasText: NOTE }).waitFor();
  await card.locator('.badge', { hasText: 'Returning' }).waitFor();
  await card.locator('.card-tenure', { hasText: /1 chat$/ }).waitFor();
  const opener2 = (await card.locator('.opener-text').textContent()) || '';
  assert.match(opener2, /^Hi Maya, welcome back!/);
  assert.ok(!opener2.includes('articles') && !/[“”"]/.test(opener2), `opener quotes the patron: ${opener2}`);
  await screenshot(jen, 'remember-console-second-chat.png');

  // Forget me: the card says so at once, without a reload.
  await patron.getByRole('button', { name: 'Forget me' }).click();
  await patron.getByRole('dialog', { name: 'Forget me?' }).getByRole('button', { name: 'Forget me' }).click();
  await card.getByText('Anonymous patron', { exact: false }).waitFor();
  await jen.locator('.msg', { hasText: Q2 }).locator('.msg-name', { hasText: 'Patron' }).waitFor();
  await jen.locator('#pane-heading', { hasText: 'Patron' }).waitFor();
  await patron.locator('#remember-inline').waitFor(); // in the chat view again

  // She changes her mind on the end screen: that chat, just ended, is linked to her again.
  await jen.locator('#end-btn').click();
  await patron.getByRole('heading', { name: 'Chat ended' }).waitFor();
  await screenshot(patron, 'remember-end-screen.png');
  assert.equal(await patron.getByRole('button', { name: 'Remember me…' }).count(), 1, 'offered once on the end screen');
  await patron.locator('#keep-hint').getByRole('button', { name: 'Remember me…' }).click();
  await rem.getByLabel('What should we call you?').fill('Maya');
  await rem.getByRole('button', { name: 'I agree, remember me' }).click();
  await patron.locator('#memory-bar', { hasText: 'Remembered as Maya' }).waitFor();
  await card.getByRole('heading', { name: /Maya/ }).waitFor();
  await card.locator('.card-tenure', { hasText: 'New to us' }).waitFor(); // chat 1 stays forgotten
  await jen.locator('.msg', { hasText: Q2 }).locator('.msg-name', { hasText: 'Maya' }).waitFor();
  await screenshot(patron, 'remember-end-screen-remembered.png');
  // (the console's session check before signing in answers 401: expected, not counted)
  assert.deepEqual(problems.filter((p) => /Content Security Policy|pageerror/i.test(p)), []);
});

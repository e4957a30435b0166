// The README's "Trying the demo", followed literally, sentence by sentence, in the order it
// is written: a patron on a phone, Jen and Sam at their consoles, all in real browsers
// against `rapport demo`. When a step fails here, either the product or the README is
// wrong; fix the one that is, never this test's reading of the README.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEMO, screenshot, watchPage, openConsole, startWithBrowser, stopWithBrowser, openPage, askSent,
} from './server.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const README = readFileSync(path.join(repo, 'README.md'), 'utf8');

const GRACE_MS = 3000;
let stack;
let browser;

before(async () => {
  // the hand-back grace is the one thing shortened: a minute becomes GRACE_MS
  ({ stack, browser } = await startWithBrowser({ extraArgs: () => ['--handback-grace-ms', String(GRACE_MS)] }));
});

after(() => stopWithBrowser({ stack, browser }));

/** Asserts the README still says `sentence`, so the step below tests what it promises. */
function says(sentence) {
  const flat = README.replace(/\s+/g, ' ');
  assert.ok(flat.includes(sentence), `README no longer says: ${sentence}`);
}

const Q1 = 'How do I cite a website in APA 7 for my nursing paper?';
const Q2 = 'Back again: now I need articles on wound care.';
const Q3 = 'One more: where is the APA guide on your site?';

test('the README demo story comes true, step by step', async () => {
  const problems = [];

  says('`make run` creates a demo library in `./demo-data` (idempotently) and prints:');
  const log = stack.log();
  for (const line of [`${stack.base}/chat`, `${stack.base}/console`, 'jen@demo.library', 'sam@demo.library', 'rapport-demo']) {
    assert.ok(log.includes(line), `the demo banner does not print ${line}:\n${log.slice(0, 800)}`);
  }

  says('Log in as Jen in one window, ask a question as a patron in another, pick it up, and chat.');
  const { ctx: jenCtx, page: jen } = await openConsole(browser, stack.base, DEMO.jen, problems);
  const { ctx: samCtx, page: sam } = await openConsole(browser, stack.base, DEMO.sam, problems);

  let { ctx: patronCtx, page: patron } = await openPage(browser, { problems, url: stack.base + '/chat' });
  await askSent(patron, Q1);

  const item = jen.locator('#queue-list .q-item', { hasText: Q1 });
  await item.getByRole('button', { name: 'Pick up' }).click();
  await patron.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();
  await jen.getByLabel('Reply to the patron').fill('Happy to help. Is it a page with an author?');
  await jen.getByLabel('Reply to the patron').press('Enter');
  await patron.locator('.msg', { hasText: 'Is it a page with an author?' }).waitFor();
  await patron.getByLabel('Your message').fill('Yes, a nursing society page.');
  await patron.getByRole('button', { name: 'Send' }).click();
  await jen.locator('#logs .log:not([hidden]) .msg', { hasText: 'a nursing society page' }).waitFor();

  says('Close the patron tab and open it again: the conversation is still there and continues.');
  await patron.close();
  patron = await patronCtx.newPage();
  watchPage(patron, problems);
  await patron.goto(stack.base + '/chat');
  await patron.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();
  await patron.locator('.msg', { hasText: 'Is it a page with an author?' }).waitFor();
  await patron.locator('.msg', { hasText: 'a nursing society page' }).waitFor();
  await patron.getByLabel('Your message').fill('It has no date, though.');
  await patron.getByRole('button', { name: 'Send' }).click();
  await jen.locator('#logs .log:not([hidden]) .msg', { hasText: 'It has no date, though.' }).waitFor();

  says('as the patron, choose **Remember me**;');
  await patron.getByRole('button', { name: 'Remember me…' }).click();
  const rem = patron.getByRole('dialog', { name: 'Remember me' });
  await rem.getByLabel('What should we call you?').fill('Maya');
  await rem.getByRole('button', { name: 'I agree, remember me' }).click();
  await rem.waitFor({ state: 'hidden' });
  // Jen's card changes at once: she is now looking at a remembered patron
  const card = jen.locator('#card');
  await card.getByRole('heading', { name: /Maya/ }).waitFor();

  says('end the chat, rate it and make Jen your preferred librarian;');
  await patron.getByRole('button', { name: 'End chat' }).click();
  await patron.getByRole('heading', { name: 'Chat ended' }).waitFor();
  await patron.getByRole('button', { name: /5 of 5/ }).click();
  await patron.locator('#rate-status', { hasText: 'You rated this chat 5 of 5' }).waitFor();
  await patron.getByRole('button', { name: 'Make Jen my preferred librarian' }).click();
  await patron.getByText(/preferred librarian/).first().waitFor();
  await screenshot(patron, 'readme-04-patron-after-chat.png');

  says('as Jen, add a note on the relationship card beside the chat.');
  const NOTE = 'Nursing student; likes step-by-step links.';
  await card.getByLabel('New note').fill(NOTE);
  await card.getByRole('button', { name: 'Add note' }).click();
  await card.locator('.note-body', { hasText: NOTE }).waitFor();
  await screenshot(jen, 'readme-05-console-card-note.png');

  says('Ask again from the same browser: you are greeted by name');
  await patron.getByRole('button', { name: 'Start a new chat' }).click();
  await patron.getByRole('heading', { name: /Maya/ }).waitFor();
  await askSent(patron, Q2);
  says('and the chat is offered to Jen first ("asking Jen, your preferred librarian") while Sam sees it as offered;');
  await patron.locator('#offer-text', { hasText: 'Asking Jen Ortiz, your preferred librarian.' }).waitFor();
  const samItem = sam.locator('#queue-list .q-item', { hasText: Q2 });
  await samItem.locator('.q-offer', { hasText: 'Offered to Jen Ortiz' }).waitFor();
  assert.equal(await samItem.getByRole('button', { name: 'Pick up' }).isDisabled(), true);
  await screenshot(patron, 'readme-06-patron-offered.png');
  await screenshot(sam, 'readme-07-sam-sees-offered.png');

  says('Jen sees the card with your earlier question, her note and a suggested opener.');
  await jen.locator('#queue-list .q-item', { hasText: Q2 }).getByRole('button', { name: 'Pick up' }).click();
  await patron.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();
  await card.locator('.history-q', { hasText: Q1 }).waitFor();
  await card.locator('.note-body', { hasText: NOTE }).waitFor();
  const opener = (await card.locator('.opener-text').textContent()) || '';
  assert.match(opener, /Maya/);
  assert.ok(!opener.includes(Q1), `the opener quotes the patron: ${opener}`);
  await screenshot(jen, 'readme-08-console-card-returning.png');

  says('**Forget me** erases it all');
  await patron.getByRole('button', { name: 'Forget me' }).click();
  const forget = patron.getByRole('dialog', { name: 'Forget me?' });
  await forget.getByRole('button', { name: 'Forget me' }).click();
  await forget.waitFor({ state: 'hidden' });
  await card.getByText(/nothing is remembered/i).waitFor();
  assert.equal(await card.getByText(NOTE).count(), 0);
  assert.equal(await card.locator('.history-item').count(), 0);
  await screenshot(jen, 'readme-09-console-forgotten.png');

  says('While a patron waits they see their place and an estimate from the desk\'s recent waits (kept across restarts), updated live');
  await patron.getByRole('button', { name: 'End chat' }).click();
  await patron.getByRole('button', { name: 'Start a new chat' }).click();
  await askSent(patron, Q3);
  await patron.getByRole('heading', { name: "You're number 1 in the queue" }).waitFor();
  await patron.locator('#chat-sub', { hasText: /wait/i }).waitFor();
  await screenshot(patron, 'readme-10-patron-waiting.png');
  await jen.locator('#queue-list .q-item', { hasText: Q3 }).getByRole('button', { name: 'Pick up' }).click();
  await patron.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();

  says('In a chat, Jen can **Make a promise** (what: "the APA guide", by e-mail, by Friday 5 pm): the patron sees "Jen will e-mail you the APA guide by Fri, …", Jen\'s console reminds her as it comes due, and the report in an admin\'s console (Sam\'s) counts promises kept on time.');
  await jen.getByRole('button', { name: 'Make a promise' }).click();
  const pd = jen.getByRole('dialog');
  await pd.getByLabel('What will you send or do?').fill('the APA guide');
  await pd.getByText('Friday 5 pm').click();
  await screenshot(jen, 'readme-11-promise-dialog.png');
  await pd.getByRole('button', { name: 'Promise' }).click();
  await pd.waitFor({ state: 'hidden' });
  const promised = patron.locator('.promised');
  // (within six days of it the due time reads "Fri 5:00 PM", later "Fri, Dec 11, …")
  await promised.getByText(/Jen will e-mail you the APA guide by Fri[, ]/).waitFor();
  await screenshot(patron, 'readme-12-patron-promised.png');
  // the reminder: the promise is in Jen's list, marked once it is due within the hour
  const mine = jen.locator('#promises .promise', { hasText: 'the APA guide' });
  await mine.waitFor();
  await mine.getByRole('button', { name: 'Done' }).click();
  const done = jen.getByRole('dialog');
  await done.getByRole('button', { name: /Done|Mark done|Save/ }).last().click();
  await mine.waitFor({ state: 'detached' });
  // Sam's report follows without a reload
  await sam.locator('#promise-report', { hasText: /1 of 1 kept on time/ }).waitFor();

  says('A patron can have the transcript e-mailed;');
  // no SMTP in the demo: the page says so plainly, and offers no form whose sending would
  // only be refused
  await patron.locator('#mail-status', { hasText: 'This library cannot send e-mail right now' }).waitFor();
  assert.equal(await patron.getByRole('button', { name: 'E-mail me this conversation' }).count(), 0);
  await screenshot(patron, 'readme-14-patron-mail.png');

  says('No patron is left talking to someone who has gone. With Sam logged in too, close Jen\'s tab mid-chat: a minute later (`--handback-grace-ms`) the patron reads "Jen Ortiz had to leave; another librarian will join you shortly" and Sam finds the chat at the front of the queue with the conversation so far.');
  await jen.getByLabel('Reply to the patron').fill('Let me look that up for you.');
  await jen.getByLabel('Reply to the patron').press('Enter');
  await patron.locator('.msg', { hasText: 'Let me look that up for you.' }).waitFor();
  await jenCtx.close();
  await patron.locator('#chat-sub', { hasText: 'Jen Ortiz had to leave; another librarian will join you shortly' })
    .waitFor({ timeout: GRACE_MS + 10000 });
  assert.equal(await patron.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).count(), 0);
  await screenshot(patron, 'readme-15-patron-handed-back.png');
  const back = sam.locator('#queue-list .q-item').first();
  await back.locator('.q-handed', { hasText: 'Handed back by Jen Ortiz' }).waitFor();
  await back.getByRole('button', { name: 'Pick up' }).click();
  const samLog = sam.locator('#logs .log:not([hidden])');
  await samLog.locator('.msg', { hasText: Q3 }).waitFor();
  await samLog.locator('.msg', { hasText: 'Let me look that up for you.' }).waitFor();
  await patron.getByRole('heading', { name: 'Chatting with Sam Lee' }).waitFor();

  says('Logging out or going **Away** with chats open asks first: hand them back now, or finish them first.');
  await sam.getByRole('button', { name: 'Log out' }).click();
  const ask1 = sam.getByRole('dialog', { name: 'Before you log out: you have 1 active chat' });
  await ask1.getByRole('button', { name: /Hand it back/ }).waitFor();
  await ask1.getByRole('button', { name: /Finish it first/ }).waitFor();
  await screenshot(sam, 'readme-16-logout-asks.png');
  await ask1.getByRole('button', { name: 'Cancel' }).click();

  says('A librarian can switch on a sound and desktop notification for new patrons.');
  await sam.getByLabel('Alerts for new patrons').waitFor();

  says('A chat can be handed on without the patron having to explain again. Log in as Jen once more; as Sam, choose **Hand off…** in the chat, pick Jen and write a note.');
  const { ctx: jenCtx2, page: jen2 } = await openConsole(browser, stack.base, DEMO.jen, problems);
  await sam.getByRole('button', { name: 'Hand off…' }).click();
  const hand = sam.getByRole('dialog', { name: /^Hand off chat #\d+$/ });
  await hand.getByRole('radio', { name: /Jen Ortiz/ }).check();
  await hand.getByLabel('Note for them').fill('Wants the APA guide link; Jen promised it earlier.');
  await hand.getByRole('button', { name: 'Send' }).click();
  says('Jen finds it under "Handed to you" and reads the note, the conversation and the card before she chooses **Accept**; meanwhile the patron reads "Sam Lee is asking a colleague to join; Sam stays with you meanwhile", then "Jen Ortiz has read your conversation and is joining."');
  await patron.getByText('Sam Lee is asking a colleague to join; Sam stays with you meanwhile').waitFor();
  const handed = jen2.locator('#handoffs .ho-item', { hasText: 'Wants the APA guide link' });
  await jen2.getByRole('heading', { name: /Handed to you/ }).waitFor();
  await handed.getByRole('button', { name: 'Read and decide' }).click();
  await jen2.locator('#logs .log:not([hidden]) .msg', { hasText: 'Let me look that up for you.' }).waitFor();
  await jen2.locator('#card', { hasText: /\S/ }).waitFor();
  await screenshot(jen2, 'readme-17-handed-to-you.png');
  await jen2.getByRole('button', { name: 'Accept' }).click();
  await patron.getByText('Jen Ortiz has read your conversation and is joining.').waitFor();
  await patron.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();
  says('Sam, a supervisor, sees every live chat under **The desk**: **Watch** reads along, read-only, and **Reassign…** hands it on with a note.');
  const live = sam.locator('#sv-desk .sv-item', { hasText: 'With Jen Ortiz' });
  await live.getByRole('button', { name: 'Watch' }).click();
  await sam.locator('#watch-bar').getByText('Watching — read-only.').waitFor();
  await sam.locator('#logs .log:not([hidden]) .msg', { hasText: 'Let me look that up for you.' }).waitFor();
  assert.equal(await sam.getByLabel('Reply to the patron').isVisible(), false, 'watching is read-only');
  await sam.locator('#watch-bar').getByRole('button', { name: 'Reassign…' }).waitFor();
  says('A patron can also ask "Could someone else help me?"; when nobody else is on, they are told so.');
  await samCtx.close(); // Jen is the only one on now
  await patron.getByRole('button', { name: 'Could someone else help me?' }).click();
  await patron.getByText('Nobody else is on right now — Jen Ortiz is still with you.').waitFor();

  const bad = problems.filter((p) => /Content Security Policy|pageerror/i.test(p));
  assert.deepEqual(bad, [], 'no script errors or CSP violations');
  await Promise.all([patronCtx.close(), jenCtx2.close()]);
});

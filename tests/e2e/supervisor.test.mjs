// Supervisors in real browsers: Jen (a librarian) picks up a patron's chat; Sam (the demo's
// admin, so a supervisor) sees it in "The desk", watches it read-only as it goes on, and
// reassigns it to himself with a note; he reads and accepts it, and the patron sees him join.
// Jen's console has none of it: no desk, no hand-off or feedback reports. Once the patron
// has rated the chat, Sam's Feedback block shows it, and his Hand-offs block counts it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO, screenshot, until, openConsole, openPatron, startWithBrowser, stopWithBrowser, askQuestion, serious,
} from './server.mjs';

let stack;
let browser;

before(async () => ({ stack, browser } = await startWithBrowser({ extraArgs: () => ['--handoff-timeout-ms', '30000'] })));

after(() => stopWithBrowser({ stack, browser }));

const pane = (page) => page.locator('#logs .log:not([hidden])');

async function say(page, label, text) {
  await page.getByLabel(label).fill(text);
  await page.getByLabel(label).press('Enter');
}

/** A patron asks `question` on a phone and Jen picks it up: the patron's window. */
async function jenPicksUp(jen, question, problems) {
  const patron = await openPatron(browser, stack.base, problems);
  await patron.page.locator('#library-name', { hasText: /\S/ }).waitFor();
  await askQuestion(patron.page, question);
  await jen.page.locator('#queue-list .q-item', { hasText: question }).getByRole('button', { name: 'Pick up' }).click();
  await pane(jen.page).locator('.msg', { hasText: question }).waitFor();
  await patron.page.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();
  return patron;
}

test('Sam watches Jen\'s chat read-only, reassigns it to himself, and reads its rating; Jen sees none of it', async () => {
  const problems = [];
  const jen = await openConsole(browser, stack.base, DEMO.jen, problems);
  const sam = await openConsole(browser, stack.base, DEMO.sam, problems);
  const question = 'Can I get a thesis from another university through interlibrary loan?';
  const patron = await jenPicksUp(jen, question, problems); // Jen picks up the patron's chat

  // Sam: "The desk" lists it, with its librarian and question
  const desk = sam.page.getByRole('region', { name: /The desk/ });
  const item = desk.locator('.sv-item', { hasText: question });
  await item.getByText('With Jen Ortiz').waitFor();
  await item.getByText(/just started|for \d+ s/).waitFor();
  await screenshot(sam.page, 'supervisor-desk.png');

  // Watch: the transcript, live, and no way to write
  await item.getByRole('button', { name: 'Watch' }).click();
  const watching = sam.page.locator('#watch-bar');
  await watching.getByText('Watching — read-only.').waitFor();
  await pane(sam.page).locator('.msg', { hasText: question }).waitFor();
  assert.equal(await sam.page.getByLabel('Reply to the patron').isVisible(), false, 'watching is read-only');
  assert.equal(await sam.page.getByRole('button', { name: 'End chat' }).isVisible(), false);
  assert.equal(await sam.page.locator('#mine-list .mine-item').count(), 0, 'a watched chat is not one of his');
  await say(patron.page, 'Your message', 'It is a 2019 PhD thesis from Leeds.');
  await pane(sam.page).locator('.msg', { hasText: 'It is a 2019 PhD thesis from Leeds.' }).waitFor();
  await say(jen.page, 'Reply to the patron', 'Thanks, let me check how we request theses.');
  await pane(sam.page).locator('.msg', { hasText: 'Thanks, let me check how we request theses.' }).waitFor();
  await screenshot(sam.page, 'supervisor-watching.png');
  assert.deepEqual(await serious(sam.page), [], 'watching is accessible');

  // Reassign… to himself, with a note: the dialog leaves Jen out and offers "Me"
  await watching.getByRole('button', { name: 'Reassign…' }).click();
  const dialog = sam.page.getByRole('dialog', { name: /^Reassign chat #\d+$/ });
  await dialog.getByRole('radio', { name: /Me \(Sam Lee\)/ }).waitFor();
  await dialog.getByRole('radio', { name: /Ask a Librarian/ }).waitFor();
  assert.equal(await dialog.getByRole('radio', { name: /Jen Ortiz/ }).count(), 0, 'not to the one who has it');
  await dialog.getByText(/Jen Ortiz keeps the chat/).waitFor();
  await dialog.getByRole('radio', { name: /Me \(Sam Lee\)/ }).check();
  const note = 'I handle interlibrary loans of theses; taking this one.';
  await dialog.getByLabel('Note for them').fill(note);
  await screenshot(sam.page, 'supervisor-reassign.png');
  await dialog.getByRole('button', { name: 'Send' }).click();
  await dialog.waitFor({ state: 'hidden' });

  // Jen is told it is being handed on (it stays hers until accepted)
  await jen.page.locator('#handoff-bar').getByText(/A supervisor is reassigning this chat. Waiting for Sam Lee to accept…/).waitFor();
  // Sam reads it as any hand-off, with the prefixed note, and accepts
  const bar = sam.page.locator('#handoff-bar');
  await bar.locator('.ho-note', { hasText: `Reassigned by Sam Lee: ${note}` }).waitFor();
  await screenshot(sam.page, 'supervisor-accepting.png');
  await bar.getByRole('button', { name: 'Accept' }).click();
  await patron.page.getByText('Sam Lee has read your conversation and is joining.').waitFor();
  await patron.page.getByRole('heading', { name: 'Chatting with Sam Lee' }).waitFor();
  await sam.page.locator('#mine-list .mine-item').first().waitFor();
  assert.equal(await watching.isVisible(), false, 'his own chat now, not watched');
  await desk.locator('.sv-item', { hasText: question }).getByText('With you').waitFor();
  await say(sam.page, 'Reply to the patron', 'Hello, I am Sam: I can request the Leeds thesis for you.');
  await patron.page.getByText('Hello, I am Sam: I can request the Leeds thesis for you.').waitFor();
  await jen.page.locator('#mine-note', { hasText: /Sam Lee took over chat #\d+, as a supervisor reassigned it\./ }).waitFor();
  await screenshot(patron.page, 'supervisor-patron-sam.png');

  // Jen: no desk, no hand-off or feedback reports, nothing of who asked for someone else
  for (const id of ['#sv-desk', '#sv-handoffs', '#sv-feedback']) {
    assert.equal(await jen.page.locator(id).isVisible(), false, `${id} is for supervisors`);
  }
  assert.equal(await jen.page.getByText('Asked for someone else').count(), 0);
  assert.equal(await jen.page.getByRole('heading', { name: 'The desk' }).count(), 0);
  await screenshot(jen.page, 'supervisor-jen.png');

  // Sam ends it; the patron rates it; Sam's reports count the hand-off and show the rating
  await sam.page.getByRole('button', { name: 'End chat' }).click();
  await until(async () => (await desk.locator('.sv-item').count()) === 0, 5000, 'the ended chat gone from the desk');
  await patron.page.getByRole('button', { name: /^4 of 5/ }).click();
  await patron.page.getByText('You rated this chat 4 of 5. Thank you!').waitFor();
  const feedback = sam.page.getByRole('region', { name: 'Feedback' });
  await until(async () => {
    await feedback.getByRole('button', { name: 'Update' }).click();
    return feedback.getByText(question).isVisible();
  }, 10000, 'the rated chat in Feedback');
  await feedback.getByText('4.0 of 5 on average, from 1 rating (last 30 days).').waitFor();
  await feedback.locator('.sv-rows li', { hasText: 'Sam Lee' }).getByText('4.0 average · 1 rating').waitFor();
  await feedback.getByText('Rated 4 of 5').waitFor();
  const handoffs = sam.page.getByRole('region', { name: 'Hand-offs' });
  await handoffs.getByRole('button', { name: 'Update' }).click();
  await handoffs.getByText('1 (1 chat)').waitFor();
  await handoffs.getByText('Asked for someone else').waitFor();
  await handoffs.scrollIntoViewIfNeeded();
  await screenshot(sam.page, 'supervisor-reports.png');
  await feedback.scrollIntoViewIfNeeded();
  await screenshot(sam.page, 'supervisor-feedback.png');
  assert.deepEqual(await serious(sam.page), [], 'the reports are accessible');
  assert.deepEqual(problems.filter((p) => /pageerror|Content Security Policy/.test(p)), []);
  for (const w of [jen, sam, patron]) await w.ctx.close();
});

test('a reassign to the queue that Jen takes back: Sam watches again, and sees the whole chat', async () => {
  const problems = [];
  const jen = await openConsole(browser, stack.base, DEMO.jen, problems);
  const sam = await openConsole(browser, stack.base, DEMO.sam, problems);
  const question = 'Where can I print a poster for my conference?';
  const patron = await jenPicksUp(jen, question, problems);
  const item = sam.page.locator('#sv-desk .sv-item', { hasText: question });
  await item.getByRole('button', { name: 'Watch' }).click();
  await pane(sam.page).locator('.msg', { hasText: question }).waitFor();
  await item.getByRole('button', { name: 'Reassign…' }).click(); // from the desk this time
  const dialog = sam.page.getByRole('dialog', { name: /^Reassign chat #\d+$/ });
  await dialog.getByRole('radio', { name: /Ask a Librarian/ }).check();
  await dialog.getByRole('button', { name: 'Send' }).click();
  await dialog.getByRole('alert').filter({ hasText: 'Please write a note' }).waitFor();
  await dialog.getByLabel('Note for them').fill('Printing questions go to whoever is free.');
  await dialog.getByRole('button', { name: 'Send' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await item.getByText('Being handed on').waitFor();
  assert.equal(await item.getByRole('button', { name: 'Reassign…' }).isDisabled(), true, 'one hand-off at a time');
  // Sam, watching, reads it as a hand-off to his queue, with Accept
  await sam.page.locator('#handoff-bar').getByRole('button', { name: 'Accept' }).waitFor();
  // Jen takes it back: the chat stays hers, and Sam is watching it again, as it goes on
  await jen.page.locator('#handoff-bar').getByRole('button', { name: 'Cancel hand-off' }).click();
  await sam.page.locator('#handoffs-note', { hasText: /took the hand-off back|no longer open/ }).waitFor();
  await until(async () => (await item.getByText('Being handed on').count()) === 0, 5000, 'the hand-off over');
  await sam.page.locator('#watch-bar').getByText('Watching — read-only.').waitFor();
  await pane(sam.page).locator('.msg', { hasText: question }).waitFor();
  await say(patron.page, 'Your message', 'A0 size, please.');
  await pane(sam.page).locator('.msg', { hasText: 'A0 size, please.' }).waitFor();
  assert.equal(await sam.page.getByLabel('Reply to the patron').isVisible(), false, 'still read-only');
  await screenshot(sam.page, 'supervisor-watch-again.png');
  // the patron asks for someone else: Sam's report counts it by Jen's name; Jen never sees it
  await patron.page.getByRole('button', { name: 'Could someone else help me?' }).click();
  await jen.page.locator('#handoff-bar', { hasText: 'The patron asked if someone else could help.' }).waitFor();
  const handoffs = sam.page.getByRole('region', { name: 'Hand-offs' });
  const row = handoffs.locator('.sv-rows li', { hasText: 'Jen Ortiz' });
  await until(async () => {
    await handoffs.getByRole('button', { name: 'Update' }).click();
    return row.getByText('1 time').isVisible();
  }, 10000, 'Jen counted in "Asked for someone else"');
  await row.scrollIntoViewIfNeeded();
  await screenshot(sam.page, 'supervisor-someone-else.png');
  assert.equal(await jen.page.getByText('Asked for someone else').count(), 0, 'never shown to peers');
  assert.deepEqual(problems.filter((p) => /pageerror|Content Security Policy/.test(p)), []);
  for (const w of [jen, sam, patron]) await w.ctx.close();
});

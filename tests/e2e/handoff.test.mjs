// Warm hand-offs in real browsers, three windows: a patron on a phone, Jen and Sam at the
// console. Jen hands the chat to Sam with a note; Sam reads the note, the conversation and
// the card before accepting; the patron is told in plain words who is with them and never
// has to say it again. A decline comes back to Jen with its reason; the patron's "Could
// someone else help me?" is answered honestly when nobody else is on.

import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO, screenshot, until, openConsole, openPatron, startWithBrowser, stopWithBrowser, askQuestion, serious,
} from './server.mjs';

const TIMEOUT = 20000; // --handoff-timeout-ms: long enough to read, short enough to test
let stack;
let browser;

before(async () => ({ stack, browser } = await startWithBrowser({ extraArgs: () => ['--handoff-timeout-ms', String(TIMEOUT)] })));

after(() => stopWithBrowser({ stack, browser }));

// every window a test opened closes after it, passed or not, so the next starts afresh
let windows = [];
const keep = (w) => (windows.push(w), w);
afterEach(async () => {
  for (const w of windows) await w.ctx.close();
  windows = [];
});

const pane = (page) => page.locator('#logs .log:not([hidden])');
const patronTexts = (page) => page.locator('.chat-log .msg.msg--mine .msg-text').allTextContents();

/** A patron asks `question` on a phone; Jen picks it up; the patron adds `more`. */
async function chatWithJen(jen, question, more, problems) {
  const patron = keep(await openPatron(browser, stack.base, problems));
  await patron.page.locator('#library-name', { hasText: /\S/ }).waitFor();
  await askQuestion(patron.page, question);
  await patron.page.getByRole('heading', { name: /in the queue/ }).waitFor();
  const item = jen.page.locator('#queue-list .q-item', { hasText: question });
  await item.getByRole('button', { name: 'Pick up' }).click();
  await pane(jen.page).locator('.msg', { hasText: question }).waitFor();
  await patron.page.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();
  if (more) {
    await patron.page.getByLabel('Your message').fill(more);
    await patron.page.getByLabel('Your message').press('Enter');
    await pane(jen.page).locator('.msg', { hasText: more }).waitFor();
  }
  return patron;
}

/** Jen hands her open chat to `to` (a colleague's name) with `note`. */
async function handOff(jen, to, note) {
  await jen.page.getByRole('button', { name: 'Hand off…' }).click();
  const dialog = jen.page.getByRole('dialog', { name: /^Hand off chat #\d+$/ });
  await dialog.waitFor();
  await dialog.getByRole('radio', { name: new RegExp(to) }).check();
  await dialog.getByLabel('Note for them').fill(note);
  await dialog.getByRole('button', { name: 'Send' }).click();
  await dialog.waitFor({ state: 'hidden' });
}

test('Jen hands the chat to Sam with a note; Sam reads it all first; the patron never repeats', async () => {
  const problems = [];
  const jen = keep(await openConsole(browser, stack.base, DEMO.jen, problems));
  const sam = keep(await openConsole(browser, stack.base, DEMO.sam, problems));
  const question = 'I need peer-reviewed articles on wound care';
  const cinahl = 'I already tried CINAHL but found nothing recent';
  const patron = await chatWithJen(jen, question, cinahl, problems);
  await jen.page.getByLabel('Reply to the patron').fill('Let me ask our nursing librarian.');
  await jen.page.getByLabel('Reply to the patron').press('Enter');
  await patron.page.getByText('Let me ask our nursing librarian.').waitFor();

  // Sam has alerts on: a hand-off to him rings, as a new patron does
  await sam.page.getByLabel('Alerts for new patrons').check();
  const sounds = () => sam.page.evaluate(() => Number(document.documentElement.dataset.newPatronSounds || 0));
  const rang = await sounds();
  // Jen: Hand off… -> the dialog lists Sam and the queue; the note is required
  await jen.page.getByRole('button', { name: 'Hand off…' }).click();
  const dialog = jen.page.getByRole('dialog', { name: /^Hand off chat #\d+$/ });
  await dialog.getByRole('radio', { name: /Sam Lee/ }).waitFor();
  await dialog.getByRole('radio', { name: /Ask a Librarian/ }).waitFor();
  assert.equal(await dialog.getByLabel('Note for them').getAttribute('placeholder'), "What they need and what you've tried, so nobody asks again");
  await dialog.getByRole('radio', { name: /Sam Lee/ }).check();
  await dialog.getByRole('button', { name: 'Send' }).click();
  await dialog.getByRole('alert').filter({ hasText: 'Please write a note' }).waitFor();
  const note = 'Wound care articles for a nursing assignment; CINAHL gave nothing recent. Try PubMed?';
  await dialog.getByLabel('Note for them').fill(note);
  await dialog.getByText(`${[...note].length} of 1000 characters`).waitFor();
  await screenshot(jen.page, 'handoff-jen-dialog.png');
  assert.deepEqual(await serious(jen.page), [], 'the dialog is accessible');
  await dialog.getByRole('button', { name: 'Send' }).click();
  await dialog.waitFor({ state: 'hidden' });

  // Jen waits, and can keep chatting meanwhile
  const status = jen.page.locator('#handoff-bar');
  await status.getByText(/Waiting for Sam Lee to accept… \d+ s/).waitFor();
  await status.getByRole('button', { name: 'Cancel hand-off' }).waitFor();
  assert.equal(await jen.page.getByLabel('Reply to the patron').isVisible(), true);
  await pane(jen.page).getByText('Jen Ortiz handed the chat on').waitFor();
  await screenshot(jen.page, 'handoff-jen-waiting.png');

  // the patron is told, in plain words, and Jen stays with them
  await patron.page.getByText('Jen Ortiz is asking a colleague to join; Jen stays with you meanwhile.').waitFor();
  await patron.page.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();
  await screenshot(patron.page, 'handoff-patron-asking.png');
  const saidBefore = await patronTexts(patron.page);

  // Sam: "Handed to you", with whom from and the note; reads before accepting
  const entry = sam.page.locator('#handoffs .ho-item', { hasText: 'From Jen Ortiz' });
  await sam.page.getByRole('heading', { name: /Handed to you/ }).waitFor();
  await entry.locator('.ho-note', { hasText: note }).waitFor();
  await entry.getByText(question).waitFor();
  await until(async () => (await sounds()) > rang, 5000, 'the hand-off alert');
  await screenshot(sam.page, 'handoff-sam-list.png');
  await entry.getByRole('button', { name: 'Read and decide' }).click();
  const samLog = pane(sam.page);
  await samLog.locator('.msg', { hasText: cinahl }).waitFor();
  await samLog.locator('.msg', { hasText: question }).waitFor();
  await sam.page.locator('#handoff-bar .ho-note', { hasText: note }).waitFor();
  await sam.page.locator('#card').getByText(/Card|patron|Patron/).first().waitFor();
  assert.equal(await sam.page.getByLabel('Reply to the patron').isVisible(), false, 'not his to answer yet');
  assert.equal(await sam.page.getByRole('button', { name: 'End chat' }).isVisible(), false);
  assert.equal(await sam.page.locator('#mine-list .mine-item').count(), 0, 'not in My chats before accepting');
  await until(() => sam.page.getByRole('button', { name: 'Accept' }).evaluate((b) => b === document.activeElement), 3000, 'focus on Accept');
  await screenshot(sam.page, 'handoff-sam-reading.png');
  assert.deepEqual(await serious(sam.page), [], 'reading a hand-off is accessible');
  await sam.page.getByRole('button', { name: 'Accept' }).click();

  // the patron: Sam has read the conversation; the header follows
  await patron.page.getByText('Sam Lee has read your conversation and is joining.').waitFor();
  await patron.page.getByRole('heading', { name: 'Chatting with Sam Lee' }).waitFor();
  // Sam: the chat is his, the note stays at the top, he writes
  await sam.page.locator('#mine-list .mine-item').first().waitFor();
  await sam.page.locator('#handoff-bar', { hasText: 'Jen Ortiz’s note' }).locator('.ho-note', { hasText: note }).waitFor();
  await pane(sam.page).getByText('Sam Lee took over the chat').waitFor();
  const hello = 'Hi, I am Sam. I have read what you tried; let us look in PubMed together.';
  await sam.page.getByLabel('Reply to the patron').fill(hello);
  await sam.page.getByLabel('Reply to the patron').press('Enter');
  await patron.page.getByText(hello).waitFor();
  await screenshot(sam.page, 'handoff-sam-accepted.png');
  await screenshot(patron.page, 'handoff-patron-sam.png');
  assert.deepEqual(await serious(patron.page), [], 'the patron page after a hand-off is accessible');
  // Jen: the chat left My chats, with a calm note
  await jen.page.locator('#mine-note', { hasText: /Sam Lee took over chat #\d+/ }).waitFor();
  await jen.page.getByText('Chats you pick up appear here.').waitFor();
  await screenshot(jen.page, 'handoff-jen-after.png');
  // never asked to repeat: the patron wrote nothing after the hand-off, and Sam saw it all
  assert.deepEqual(await patronTexts(patron.page), saidBefore);
  assert.deepEqual(saidBefore, [question, cinahl]);
  assert.deepEqual(problems.filter((p) => /pageerror|Content Security Policy/.test(p)), []);
});

test('Sam declines with a reason: it comes back to Jen, who sees why and keeps chatting', async () => {
  const problems = [];
  const jen = keep(await openConsole(browser, stack.base, DEMO.jen, problems));
  const sam = keep(await openConsole(browser, stack.base, DEMO.sam, problems));
  const patron = await chatWithJen(jen, 'Where are the 1920s city council minutes?', '', problems);
  await handOff(jen, 'Sam Lee', 'Local history: council minutes of the 1920s.');
  const entry = sam.page.locator('#handoffs .ho-item', { hasText: 'From Jen Ortiz' });
  await entry.getByRole('button', { name: 'Read and decide' }).click();
  await sam.page.getByRole('button', { name: 'Decline…' }).click();
  const reason = 'Not my area: Kim knows the local history room';
  await sam.page.getByLabel(/Why/).fill(reason);
  await screenshot(sam.page, 'handoff-sam-decline.png');
  await sam.page.getByRole('button', { name: 'Decline', exact: true }).click();
  await sam.page.locator('#handoffs-note', { hasText: 'You declined; the chat stays with Jen Ortiz.' }).waitFor();
  // (the chat Sam took in the first test is open again in the pane, not this one)
  await until(async () => (await sam.page.locator('#handoffs .ho-item').count()) === 0, 3000, 'the hand-off gone from Sam\'s list');
  assert.equal(await sam.page.locator('#handoff-bar').getByRole('button', { name: 'Accept' }).count(), 0);

  const back = jen.page.locator('#handoff-bar');
  await back.getByText(`Sam Lee declined: “${reason}”. The chat is still yours.`).waitFor();
  await screenshot(jen.page, 'handoff-jen-declined.png');
  await patron.page.getByText('Jen Ortiz is still with you.').waitFor();
  await patron.page.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();
  await back.getByRole('button', { name: 'Dismiss' }).click();
  await until(async () => !(await back.isVisible()), 3000, 'the status line dismissed');
  await jen.page.getByLabel('Reply to the patron').fill('Let me try someone else.');
  await jen.page.getByLabel('Reply to the patron').press('Enter');
  await patron.page.getByText('Let me try someone else.').waitFor();
  // Jen tries Sam again, and Sam's console closes before he answers: it comes straight back
  await handOff(jen, 'Sam Lee', 'Local history again, if you have a minute.');
  await sam.page.locator('#handoffs .ho-item', { hasText: 'Local history again' }).waitFor();
  await sam.ctx.close();
  await back.getByText('Sam Lee went off duty before accepting. The chat is still yours.').waitFor();
  await patron.page.locator('.event[data-event="handoff_returned"]').nth(1).waitFor();
  await jen.page.getByRole('button', { name: 'Hand off…' }).waitFor();
  assert.deepEqual(problems.filter((p) => /pageerror|Content Security Policy/.test(p)), []);
});

test('"Could someone else help me?": honest when nobody else is on; a hand-off when Sam is', async () => {
  const problems = [];
  const jen = keep(await openConsole(browser, stack.base, DEMO.jen, problems));
  const patron = await chatWithJen(jen, 'How do I cite a podcast in APA?', '', problems);
  const ask = patron.page.getByRole('button', { name: 'Could someone else help me?' });
  await ask.click();
  await patron.page.locator('#else-status', { hasText: 'Nobody else is on right now — Jen Ortiz is still with you.' }).waitFor();
  await screenshot(patron.page, 'handoff-patron-nobody-else.png');
  await pane(jen.page).locator('.msg', { hasText: 'How do I cite a podcast in APA?' }).waitFor();
  assert.equal(await pane(jen.page).getByText('The patron asked if someone else could help').count(), 0, 'nothing was asked of anyone');

  const sam = keep(await openConsole(browser, stack.base, DEMO.sam, problems));
  // Sam says what he likes helping with: the patron is told it when he joins
  await sam.page.getByRole('button', { name: 'My profile' }).click();
  await sam.page.getByLabel('Subjects').fill('citations, APA style');
  await sam.page.getByRole('button', { name: 'Save profile' }).click();
  await sam.page.getByRole('dialog', { name: 'My profile' }).waitFor({ state: 'hidden' });
  await ask.click();
  await patron.page.getByText("You asked if someone else could help; we're asking a colleague.").waitFor();
  await until(async () => !(await ask.isVisible()), 3000, 'the button hidden while asking');
  await pane(jen.page).getByText('The patron asked if someone else could help').waitFor();
  await jen.page.locator('#handoff-bar', { hasText: 'The patron asked if someone else could help. Waiting for someone on the Ask a Librarian queue to accept…' }).waitFor();
  await screenshot(jen.page, 'handoff-jen-patron-asked.png');
  await sam.page.getByRole('heading', { name: /Handed to your library's queue/ }).waitFor();
  const entry = sam.page.locator('#handoffs .ho-item', { hasText: 'The patron asked if someone else could help' });
  await entry.waitFor();
  await screenshot(sam.page, 'handoff-sam-queue-list.png');
  await entry.getByRole('button', { name: 'Read and decide' }).click();
  await pane(sam.page).locator('.msg', { hasText: 'How do I cite a podcast in APA?' }).waitFor();
  assert.equal(await sam.page.getByRole('button', { name: 'Decline…' }).count(), 0, 'only a hand-off asked by name is declined');
  await sam.page.getByRole('button', { name: 'Accept' }).click();
  await patron.page.getByText('Sam Lee (citations, APA style) has read your conversation and is joining.').waitFor();
  await patron.page.getByRole('heading', { name: 'Chatting with Sam Lee' }).waitFor();
  await patron.page.locator('#staff-card', { hasText: 'citations, APA style' }).waitFor();
  await sam.page.getByLabel('Reply to the patron').fill('Hello, Sam here. APA 7 has a format for podcasts.');
  await sam.page.getByLabel('Reply to the patron').press('Enter');
  await patron.page.getByText('Hello, Sam here. APA 7 has a format for podcasts.').waitFor();
  await screenshot(patron.page, 'handoff-patron-someone-else-sam.png');
  assert.deepEqual(problems.filter((p) => /pageerror|Content Security Policy/.test(p)), []);
});

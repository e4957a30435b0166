// Covering for another library of the consortium, in real browsers. Before rapport starts,
// the CLI adds North College Library (librarian Nia) and a consortium `metro` of the demo
// library and North; Sam, the demo's admin, gives the demo queue a cascade delay of a few
// seconds, policy notes and the card fields it shares (preferred name, earlier chats).
// With nobody of the demo on duty, a remembered patron on a phone asks; after the delay
// Nia's queue shows the chat as the demo library's, with its policy notes; she picks it
// up, reads the notes and "you are covering" beside the chat, and a card with only the
// shared fields (the preferred name, not the e-mail), with nothing to edit; they chat;
// she ends it and the notes and the card go (the server's access ends with the chat).
// Then Sam hands a chat to Nia: she sees whose it is, and its policy notes as she reads.

import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO, screenshot, openConsole, openPatron, startWithBrowser, stopWithBrowser, askSent, serious, until, closingWindows,
} from './server.mjs';
import { addLibrary, runCli } from '../api/lib.mjs';

const NIA = { email: 'nia@north.example', password: 'north-library-pw', name: 'Nia Osei' };
const HOME = 'Riverside Public Library'; // the demo library, whose patron Nia covers
const DELAY_S = 3;
const NOTES = [
  'Hours: Mon-Fri 9:00-17:00, Sat 10:00-14:00.',
  'Visitors may use the databases on site only; remote access is for card holders.',
  '',
  'Refer law questions to the County Law Library (law@county.example).',
].join('\n');

let stack;
let browser;

function cli(args) {
  const r = runCli(args);
  if (r.status !== 0) throw new Error(`rapport ${args.join(' ')}: ${r.out}`);
}

/** Before the first start: the demo library, North with Nia, and the consortium of both. */
function twoLibraries(dataDir) {
  addLibrary(dataDir, { slug: 'demo', name: HOME, queue: 'ask:Ask a Librarian' });
  addLibrary(dataDir, { slug: 'north', name: 'North College Library', queue: 'ask:Ask North', staff: [NIA] });
  cli(['consortium', 'create', '--data-dir', dataDir, '--slug', 'metro', '--name', 'Metro Libraries']);
  for (const lib of ['demo', 'north']) cli(['consortium', 'add', '--data-dir', dataDir, '--library', lib, '--consortium', 'metro']);
}

/** Sam, over the Administration routes: the cascade delay, the policy notes, the card shared. */
async function samSetsUpCovering(base) {
  const login = await fetch(`${base}/api/v1/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: DEMO.sam.email, password: DEMO.sam.password }),
  });
  assert.equal(login.status, 200);
  const auth = { Cookie: (login.headers.get('set-cookie') || '').split(';')[0], 'X-CSRF-Token': (await login.json()).csrf };
  const post = async (route, body) => {
    const res = await fetch(`${base}/api/v1/${route}`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200, `${route}: ${await res.text()}`);
  };
  const { queues } = await (await fetch(`${base}/api/v1/admin/queues`, { headers: auth })).json();
  await post(`admin/queues/${queues[0].id}`, { cascade_seconds: DELAY_S });
  await post('admin/library', { policy_notes: NOTES, consortium_card: ['preferred_name', 'chats'] });
  await post('logout', {});
}

before(async () => {
  ({ stack, browser } = await startWithBrowser({ setup: twoLibraries }));
  await samSetsUpCovering(stack.base);
});

after(() => stopWithBrowser({ stack, browser }));

const keep = closingWindows(afterEach);

const transcript = (page) => page.locator('#logs .log:not([hidden])');
/** The text as the browser lays it out (innerText keeps line breaks only if CSS does). */
const shown = (loc) => loc.evaluate((n) => n.innerText);

test('a chat nobody at the demo picks up cascades to Nia, who covers it with the demo library\'s policy notes and shared card only', async () => {
  const problems = [];
  const nia = keep(await openConsole(browser, stack.base, NIA, problems));
  await nia.page.locator('#lib-name', { hasText: 'North College Library' }).waitFor();

  // the patron, remembered as Ana with an e-mail that the demo library does not share
  const patron = keep(await openPatron(browser, stack.base, problems));
  const p = patron.page;
  await p.getByRole('button', { name: 'Remember me…' }).click();
  const rem = p.getByRole('dialog', { name: 'Remember me' });
  await rem.getByLabel('What should we call you?').fill('Ana');
  await rem.getByLabel('E-mail').fill('ana@example.com');
  await rem.getByRole('button', { name: 'I agree, remember me' }).click();
  await p.locator('#memory-bar', { hasText: 'Remembered as Ana' }).waitFor();
  const question = 'Can I use the nursing databases from home?';
  await askSent(p, question);
  const asked = Date.now();
  await screenshot(p, 'cascade-patron-waiting.png');

  // not before the delay; then marked as the demo library's, with its policy notes
  const item = nia.page.locator('#queue-list .q-item', { hasText: question });
  assert.equal(await item.count(), 0, 'North sees nothing before the cascade delay');
  await item.waitFor({ timeout: (DELAY_S + 8) * 1000 });
  assert.ok(Date.now() - asked >= (DELAY_S - 1) * 1000, 'it cascaded only after the delay');
  await item.locator('.q-cover', { hasText: `From ${HOME} — covering` }).waitFor();
  await item.locator('.q-cover-excerpt', { hasText: 'Hours: Mon-Fri 9:00-17:00, Sat 10:00-14:00. Visitors may use' }).waitFor();
  const full = item.locator('.q-policy .policy-notes');
  assert.equal(await full.isVisible(), false, 'the full notes are folded away');
  await screenshot(nia.page, 'cascade-queue-folded.png');
  await item.locator('summary', { hasText: 'Policy notes' }).click();
  assert.equal(await shown(full), NOTES, 'the notes, their line breaks kept');
  const pickUp = item.getByRole('button', { name: 'Pick up' });
  assert.match(await pickUp.getAttribute('aria-describedby'), /-cover\b/, 'Pick up says whose patron it is');
  await screenshot(nia.page, 'cascade-queue-notes.png');
  assert.deepEqual(await serious(nia.page), [], 'the marked queue entry is accessible');

  // Nia picks it up: the notes beside the chat, the covering line, the shared card only
  await pickUp.click();
  await transcript(nia.page).locator('.msg', { hasText: question }).waitFor();
  const cover = nia.page.locator('#covering');
  await cover.getByText(`You are covering for ${HOME}. This patron is theirs`).waitFor();
  assert.equal(await shown(cover.locator('.policy-notes')), NOTES);
  const card = nia.page.locator('#card');
  await card.getByRole('heading', { name: 'Ana' }).waitFor();
  await card.getByText(`${HOME} shares: preferred name, earlier chats. Nothing else about this patron is shown to other libraries.`).waitFor();
  assert.ok(!(await card.innerText()).includes('ana@example.com'), 'the e-mail is not shared');
  assert.equal(await card.locator('textarea, input, select').count(), 0, 'nothing to edit on another library\'s card');
  assert.equal(await nia.page.getByRole('button', { name: /Make a promise/ }).isVisible(), false, 'no promises for their patron');
  assert.equal(await nia.page.locator('#outcome-row').isVisible(), false, 'no outcome tag: the chat is theirs');
  await nia.page.locator('#pane-heading', { hasText: 'Ana' }).waitFor();
  await nia.page.locator('#mine-list .mine-item', { hasText: 'Ana' }).locator('.tag', { hasText: 'Covering' }).waitFor();
  assert.deepEqual(await serious(nia.page), [], 'the covering pane and card are accessible');

  // they chat
  await p.getByRole('heading', { name: 'Chatting with Nia Osei' }).waitFor();
  await p.getByLabel('Your message').fill('I am a student at Riverside');
  await p.getByLabel('Your message').press('Enter');
  await transcript(nia.page).locator('.msg', { hasText: 'I am a student at Riverside' }).waitFor();
  await nia.page.getByLabel('Reply to the patron').fill('Riverside lets card holders use the databases from home. Here is how to sign in.');
  await nia.page.getByLabel('Reply to the patron').press('Enter');
  await p.getByText('Riverside lets card holders use the databases from home.', { exact: false }).waitFor();
  await screenshot(nia.page, 'cascade-covering.png');
  await nia.page.setViewportSize({ width: 900, height: 700 }); // a smaller screen: the card goes below
  await screenshot(nia.page, 'cascade-covering-narrow.png');
  await nia.page.setViewportSize({ width: 1280, height: 800 });
  await screenshot(p, 'cascade-patron-chat.png');

  // Nia ends it: access ends, and the notes and the card go
  await nia.page.getByRole('button', { name: 'End chat' }).click();
  await p.getByRole('heading', { name: 'Chat ended' }).waitFor();
  await cover.getByText(`You covered this chat for ${HOME}. It has ended`, { exact: false }).waitFor();
  assert.equal(await cover.locator('.policy-notes').count(), 0, 'the policy notes are gone');
  await card.getByText('The chat has ended, and with it your access', { exact: false }).waitFor();
  assert.equal(await card.getByRole('heading', { name: 'Ana' }).count(), 0, 'the card is gone');
  assert.equal(await nia.page.locator('#pane-ended').isVisible(), true);
  assert.ok(!(await nia.page.locator('#pane-ended').innerText()).includes('Tag its outcome'), 'no outcome to tag');
  await screenshot(nia.page, 'cascade-ended.png');
  assert.deepEqual(problems.filter((x) => /Content Security Policy|pageerror/i.test(x)), []);
});

test('a hand-off from the demo library to Nia names the library, and its policy notes show as she reads it', async () => {
  const problems = [];
  const nia = keep(await openConsole(browser, stack.base, NIA, problems));
  const sam = keep(await openConsole(browser, stack.base, DEMO.sam, problems));
  const patron = keep(await openPatron(browser, stack.base, problems));
  const question = 'Do you have the 1890 county maps?';
  await askSent(patron.page, question);
  await sam.page.locator('#queue-list .q-item', { hasText: question }).getByRole('button', { name: 'Pick up' }).click();
  await transcript(sam.page).locator('.msg', { hasText: question }).waitFor();
  // his own library's chat: no covering panel, and the controls Nia does not get are there
  assert.equal(await sam.page.locator('#covering').isVisible(), false, 'Sam covers nothing: the chat is his library\'s');
  await sam.page.getByRole('button', { name: 'Make a promise' }).waitFor();
  await sam.page.locator('#outcome-row').waitFor();

  await sam.page.getByRole('button', { name: 'Hand off…' }).click();
  const dialog = sam.page.getByRole('dialog', { name: /^Hand off chat #\d+$/ });
  await dialog.getByRole('radio', { name: /Nia Osei/ }).check();
  await dialog.getByLabel('Note for them').fill('North holds the county maps.');
  await dialog.getByRole('button', { name: 'Send' }).click();
  await dialog.waitFor({ state: 'hidden' });

  const entry = nia.page.locator('#handoffs .ho-item', { hasText: 'From Sam Lee' });
  await entry.getByText(HOME).waitFor();
  await entry.getByRole('button', { name: 'Read and decide' }).click();
  await nia.page.locator('#handoff-bar').getByText(`Sam Lee of ${HOME} is handing this chat to you.`, { exact: false }).waitFor();
  const cover = nia.page.locator('#covering');
  await cover.getByText(`This patron is ${HOME}’s. If you accept, you cover for them`).waitFor();
  await until(async () => (await shown(cover.locator('.policy-notes'))) === NOTES, 10000, 'the policy notes from the card');
  await nia.page.locator('#card').getByText(`${HOME}’s patron`).waitFor(); // (anonymous: nothing to share)
  await nia.page.locator('#card').getByText('Anonymous patron — nothing is remembered.').waitFor();
  await screenshot(nia.page, 'cascade-handoff-reading.png');
  await nia.page.getByRole('button', { name: 'Accept' }).click();
  await cover.getByText(`You are covering for ${HOME}.`, { exact: false }).waitFor();
  await nia.page.getByLabel('Reply to the patron').waitFor();
  assert.equal(await shown(cover.locator('.policy-notes')), NOTES);
  assert.equal(await nia.page.getByRole('button', { name: 'Make a promise' }).isVisible(), false);
  await nia.page.locator('#pane-sub', { hasText: HOME }).waitFor();
  // the notes fold away for room, and stay folded for that library
  await cover.locator('summary').click();
  assert.equal(await cover.locator('.policy-notes').isVisible(), false);
  await cover.locator('summary').click();
  await cover.locator('.policy-notes').waitFor();
  await screenshot(nia.page, 'cascade-handoff-accepted.png');
  assert.deepEqual(problems.filter((x) => /Content Security Policy|pageerror/i.test(x)), []);
});

// Relationship memory, end to end in real browsers: a patron on a phone chooses to be
// remembered and chats with Jen; Jen writes a note. The patron comes back (a new page
// load, same browser storage), is greeted by name, and their chat is offered to Jen
// first: the patron sees "Asking Jen Ortiz, who helped you last time", Sam sees it as
// offered to Jen and cannot pick it, Jen sees the card with the earlier question and the
// note. Next time Jen is on but does not answer: after the offer window (2 s here) the
// chat falls back to Sam, who sees the same card (and, an admin, may delete the note).
// Traits and notes are edited inline. Then the patron chooses "Forget me",
// and the next card says nothing is remembered.
//
// The offer window is shortened with `--offer-window 2`, passed through a tiny wrapper
// around the binary, since startStack() takes no extra arguments.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, chmod, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import {
  DEMO, startStack, launchBrowser, screenshot, watchPage, until, openConsole, stopWithBrowser, openPage, askSent,
} from './server.mjs';

const OFFER_WINDOW_S = 2;
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let stack;
let browser;
let wrapDir;

before(async () => {
  const real = path.resolve(repo, process.env.RAPPORT_BIN || path.join('build', 'rapport'));
  wrapDir = await mkdtemp(path.join(os.tmpdir(), 'rapport-rel-'));
  const wrapper = path.join(wrapDir, 'rapport');
  await writeFile(wrapper, `#!/bin/sh\nexec '${real.replace(/'/g, "'\\''")}' "$@" --offer-window ${OFFER_WINDOW_S}\n`);
  await chmod(wrapper, 0o755);
  const saved = process.env.RAPPORT_BIN;
  process.env.RAPPORT_BIN = wrapper;
  try {
    stack = await startStack();
  } finally {
    if (saved === undefined) delete process.env.RAPPORT_BIN;
    else process.env.RAPPORT_BIN = saved;
  }
  browser = await launchBrowser();
});

after(async () => {
  await stopWithBrowser({ stack, browser });
  if (wrapDir) await rm(wrapDir, { recursive: true, force: true });
});

/** A small valid PNG (a teal square with a lighter circle), built here, no files needed. */
function testPng(size = 48) {
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 3 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const inside = (x - size / 2) ** 2 + (y - size / 2.4) ** 2 < (size / 4) ** 2;
      const o = y * (size * 3 + 1) + 1 + x * 3;
      raw[o] = inside ? 0xe2 : 0x0b;
      raw[o + 1] = inside ? 0xf1 : 0x66;
      raw[o + 2] = inside ? 0xef : 0x60;
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const Q1 = 'How do I cite a website in APA 7 for my nursing paper?';
const Q2 = 'Thanks for the APA help last week. Now I need a systematic review on wound care.';
const Q3 = 'Can I renew the wound care book I borrowed?';
const Q4 = 'Where is the quiet study room?';
const NOTE = 'Third-year nursing student; likes step-by-step links. Sent her the APA guide.';

function queueItem(staff, text) {
  return staff.locator('#queue-list .q-item', { hasText: text });
}

async function endFromConsole(staff, patron) {
  await staff.locator('#end-btn').click();
  await staff.locator('#pane-ended').waitFor();
  await patron.getByRole('heading', { name: 'Chat ended' }).waitFor();
}

test('a remembered patron is offered to the librarian they know, then falls back, then is forgotten', async () => {
  const problems = [];

  // Jen and Sam at their consoles.
  const { ctx: jenCtx, page: jen } = await openConsole(browser, stack.base, DEMO.jen, problems);

  const { ctx: samCtx, page: sam } = await openConsole(browser, stack.base, DEMO.sam, problems);
  // Sam is an admin: the continuity rate is shown (nothing to count yet).
  await sam.locator('#continuity').waitFor();

  // Jen fills in her profile, with a photo, and asks to be listed for patrons.
  await jen.getByRole('button', { name: 'My profile' }).click();
  const dlg = jen.getByRole('dialog', { name: 'My profile' });
  await dlg.getByLabel('Name').waitFor();
  await until(async () => (await dlg.getByLabel('Name').inputValue()) === 'Jen Ortiz', 5000, 'profile loaded');
  await dlg.getByLabel('Pronouns').fill('she/her');
  await dlg.getByLabel('Subjects').fill('Nursing, health sciences, citations');
  await dlg.getByLabel('Short bio').fill('Health sciences librarian. Ask me about databases, evidence and APA.');
  await dlg.getByLabel(/Show me to patrons/).check();
  await jen.setInputFiles('#pf-file', { name: 'jen.png', mimeType: 'image/png', buffer: testPng() });
  await dlg.getByText('Photo saved.').waitFor();
  await dlg.locator('#pf-preview img[src*="/api/v1/staff/"]').waitFor();
  await screenshot(jen, 'rel-profile-editor.png');
  await dlg.getByRole('button', { name: 'Save profile' }).click();
  await dlg.waitFor({ state: 'hidden' });

  // ---- Visit 1: the patron opts in and chats with Jen ------------------------------------
  let { ctx: patronCtx, page: patron } = await openPage(browser, { problems, url: stack.base + '/chat' });
  await patron.getByRole('heading', { name: 'How can we help?' }).waitFor();
  // Jen is listed in "who is on now", with her photo and subjects.
  const who = patron.getByRole('group', { name: 'Who would you like to chat with?' });
  await who.getByText('Jen Ortiz').waitFor();
  await who.getByText('Nursing, health sciences, citations').waitFor();
  assert.equal(await who.getByLabel(/First available/).isChecked(), true, 'first available is the default');
  await who.locator('img[src*="/api/v1/staff/"]').waitFor();

  await patron.getByRole('button', { name: 'Remember me…' }).click();
  const rem = patron.getByRole('dialog', { name: 'Remember me' });
  await rem.getByText(/forget you at any time/).waitFor(); // the server's notice text
  await rem.getByLabel('What should we call you?').fill('Maya');
  await rem.getByLabel('Pronouns').fill('she/her');
  await screenshot(patron, 'rel-patron-remember.png');
  await rem.getByRole('button', { name: 'I agree, remember me' }).click();
  await rem.waitFor({ state: 'hidden' });
  await patron.locator('#memory-bar', { hasText: 'Remembered as Maya' }).waitFor();
  await patron.getByRole('heading', { name: 'Welcome back, Maya' }).waitFor();

  await askSent(patron, Q1);
  const item1 = queueItem(jen, Q1);
  await item1.waitFor();
  await item1.getByRole('button', { name: 'Pick up' }).click();
  await patron.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();
  // The patron sees who joined: photo, pronouns, subjects, bio.
  const staffCard = patron.locator('#staff-card');
  await staffCard.getByText('Health sciences librarian.', { exact: false }).waitFor();
  await staffCard.getByText('(she/her)').waitFor();
  await staffCard.locator('img[src*="/api/v1/staff/"]').waitFor();
  await screenshot(patron, 'rel-patron-librarian-card.png');

  // Jen's card: a remembered patron with no history yet. She writes a note.
  const card = jen.locator('#card');
  await card.getByRole('heading', { name: /Maya/ }).waitFor();
  await card.getByLabel('New note').fill(NOTE);
  await card.getByRole('button', { name: 'Add note' }).click();
  await card.locator('.note-body', { hasText: NOTE }).waitFor();
  // ...and a trait that helps next time.
  await card.getByLabel('Trait', { exact: true }).selectOption('programme');
  await card.getByLabel('Value', { exact: true }).fill('BSc Nursing');
  await card.getByRole('button', { name: 'Add', exact: true }).click();
  await card.locator('.trait', { hasText: 'Programme or course' }).getByText('BSc Nursing').waitFor();
  await jen.getByLabel('Reply to the patron').fill('APA 7 leaves out the retrieval date for most pages. I am sending you our guide.');
  await jen.getByLabel('Reply to the patron').press('Enter');
  await patron.locator('.msg', { hasText: 'retrieval date' }).waitFor();
  await jen.getByLabel('Outcome').selectOption('answered');
  await jen.locator('#outcome-status', { hasText: 'Saved' }).waitFor();
  await endFromConsole(jen, patron);

  // After the chat: rate it, and keep Jen as a favourite.
  await patron.getByRole('button', { name: /5 of 5/ }).click();
  await patron.locator('#rate-status', { hasText: 'You rated this chat 5 of 5' }).waitFor();
  await patron.getByRole('button', { name: /Add Jen to favourites/ }).click();
  await patron.getByRole('button', { name: /Jen is a favourite/ }).waitFor();
  assert.equal(await patron.locator('#fav-btn').getAttribute('aria-pressed'), 'true');
  await screenshot(patron, 'rel-patron-after-chat.png');

  // ---- Visit 2: a new page load; offered to Jen first ------------------------------------
  await patron.close();
  patron = await patronCtx.newPage();
  watchPage(patron, problems);
  await patron.goto(stack.base + '/chat');
  await patron.getByRole('button', { name: 'Start a new chat' }).click(); // the ended chat is shown first
  await patron.getByRole('heading', { name: 'Welcome back, Maya' }).waitFor();
  await patron.getByRole('group', { name: 'Who would you like to chat with?' }).getByText('★ Favourite').waitFor();
  await askSent(patron, Q2);
  await patron.locator('#offer-text', { hasText: 'Asking Jen Ortiz, who helped you last time.' }).waitFor();
  // Keep waiting for Jen: the offer no longer lapses while she is on.
  await patron.getByRole('button', { name: 'Keep waiting for Jen' }).click();
  await patron.locator('#offer-time', { hasText: /keep waiting for Jen/i }).waitFor();
  await patron.getByRole('button', { name: 'Keep waiting for Jen' }).waitFor({ state: 'hidden' });
  await screenshot(patron, 'rel-patron-offered.png');

  // Sam sees it as a returning patron offered to Jen, and cannot pick it up.
  const samItem = queueItem(sam, Q2);
  await samItem.locator('.badge', { hasText: 'Returning' }).waitFor();
  await samItem.locator('.q-offer', { hasText: 'Offered to Jen Ortiz' }).waitFor();
  assert.equal(await samItem.getByRole('button', { name: 'Pick up' }).isDisabled(), true);
  await screenshot(sam, 'rel-console-offered-to-other.png');

  // Jen sees it offered to her and picks it up; the card shows the earlier chat and the note.
  const jenItem = queueItem(jen, Q2);
  await jenItem.locator('.q-offer', { hasText: 'Offered to you' }).waitFor();
  await jenItem.getByRole('button', { name: 'Pick up' }).click();
  await patron.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();
  await card.locator('.card-tenure').waitFor();
  await card.locator('.history-q', { hasText: Q1 }).waitFor();
  await card.locator('.note-body', { hasText: NOTE }).waitFor();
  await card.getByText('Favourites: you').waitFor();
  await card.locator('.history-item', { hasText: Q1 }).getByText('★ 5/5').waitFor();
  await card.locator('.history-item', { hasText: Q1 }).getByText('Answered').waitFor();
  // Jen corrects the trait inline and edits her own note.
  await card.getByRole('button', { name: 'Edit Programme or course' }).click();
  await card.getByRole('textbox', { name: 'Programme or course' }).fill('BSc Nursing, year 3');
  await card.getByRole('button', { name: 'Save' }).click();
  await card.locator('.trait', { hasText: 'Programme or course' }).getByText('BSc Nursing, year 3').waitFor();
  await card.getByRole('button', { name: 'Edit this note' }).click();
  await card.getByRole('textbox', { name: 'Edit note' }).fill(NOTE + ' Follow up on wound care.');
  await card.getByRole('button', { name: 'Save' }).click();
  await card.locator('.note-body', { hasText: 'Follow up on wound care.' }).waitFor();
  await card.locator('.note-meta', { hasText: 'edited' }).waitFor();
  assert.equal(await card.getByRole('button', { name: /Delete/ }).count(), 0, 'librarians cannot delete notes');
  const opener = await card.locator('.opener-text').textContent();
  assert.match(opener, /Maya/);
  await jen.locator('#pane-heading', { hasText: 'Maya' }).waitFor();
  await screenshot(jen, 'rel-console-card.png');

  // The opener goes into the reply box for editing, not sent.
  await card.getByRole('button', { name: 'Insert' }).click();
  assert.equal(await jen.getByLabel('Reply to the patron').inputValue(), opener);
  assert.equal(await patron.locator('.msg', { hasText: opener }).count(), 0);
  await jen.getByLabel('Reply to the patron').press('Enter');
  await patron.locator('.msg', { hasText: opener }).waitFor();

  // The earlier chat's transcript opens in a reader.
  await card.locator('.history-item', { hasText: Q1 }).click();
  const reader = jen.getByRole('dialog');
  await reader.locator('.msg', { hasText: 'retrieval date' }).waitFor();
  await screenshot(jen, 'rel-console-transcript.png');
  await reader.getByRole('button', { name: 'Close' }).click();
  await endFromConsole(jen, patron);

  // ---- Visit 3: Jen is on but does not answer; after the window, Sam ---------------------
  await patron.getByRole('button', { name: 'Start a new chat' }).click();
  await askSent(patron, Q3);
  await patron.locator('#offer-text', { hasText: 'Asking Jen Ortiz' }).waitFor();
  const samItem3 = queueItem(sam, Q3);
  await samItem3.waitFor();
  // The offer lapses by itself: the patron's offer box goes, Sam's button comes alive.
  await patron.locator('#offer-box').waitFor({ state: 'hidden', timeout: (OFFER_WINDOW_S + 8) * 1000 });
  await until(async () => !(await samItem3.getByRole('button', { name: 'Pick up' }).isDisabled()), (OFFER_WINDOW_S + 8) * 1000, 'the offer to lapse for Sam');
  assert.equal(await samItem3.locator('.q-offer').count(), 0);
  await samItem3.getByRole('button', { name: 'Pick up' }).click();
  await patron.getByRole('heading', { name: 'Chatting with Sam Lee' }).waitFor();
  const samCard = sam.locator('#card');
  await samCard.locator('.history-q', { hasText: Q1 }).waitFor();
  await samCard.locator('.history-q', { hasText: Q2 }).waitFor();
  await samCard.locator('.note-body', { hasText: NOTE }).waitFor();
  await samCard.getByRole('heading', { name: /Maya/ }).waitFor();
  await samCard.locator('.trait', { hasText: 'BSc Nursing, year 3' }).waitFor();
  // Searching within this patron's history.
  await samCard.getByLabel("Search this patron's chats").fill('wound');
  await samCard.getByLabel("Search this patron's chats").press('Enter');
  await samCard.getByText('1 chat matches “wound”.').waitFor();
  await samCard.locator('.history-q', { hasText: Q2 }).waitFor();
  assert.equal(await samCard.locator('.history-q', { hasText: Q1 }).count(), 0);
  await samCard.getByRole('button', { name: 'Show all earlier chats' }).click();
  await samCard.locator('.history-q', { hasText: Q1 }).waitFor();
  // Sam is an admin: he may delete notes; Jen's note is not his to edit.
  const note = samCard.locator('.note', { hasText: NOTE });
  await note.getByRole('button', { name: /Delete/ }).waitFor();
  assert.equal(await note.getByRole('button', { name: 'Edit this note' }).count(), 0);
  await screenshot(sam, 'rel-console-card-fallback.png');
  // An admin may delete a note (after confirming).
  sam.once('dialog', (d) => d.accept());
  await note.getByRole('button', { name: /Delete/ }).click();
  await samCard.getByText('Note deleted.').waitFor();
  assert.equal(await samCard.locator('.note').count(), 0);

  // Searching the library's transcripts finds the first chat.
  await sam.getByLabel('Search transcripts').fill('retrieval');
  await sam.getByLabel('Search transcripts').press('Enter');
  const results = sam.getByRole('dialog');
  await results.locator('.history-q', { hasText: Q1 }).waitFor();
  await screenshot(sam, 'rel-console-search.png');
  await results.getByRole('button', { name: 'Close' }).click();

  // ---- The patron withdraws consent ------------------------------------------------------
  await patron.getByRole('button', { name: 'Forget me' }).click();
  const forget = patron.getByRole('dialog', { name: 'Forget me?' });
  await forget.getByRole('button', { name: 'Forget me' }).click();
  await forget.waitFor({ state: 'hidden' });
  await patron.locator('#memory-bar').waitFor({ state: 'hidden' });
  await patron.getByText("We've forgotten you").waitFor();
  await screenshot(patron, 'rel-patron-forgotten.png');
  await sam.locator('#end-btn').click();
  await patron.getByRole('heading', { name: 'Chat ended' }).waitFor();
  // Only remembered patrons can keep librarians: the patron gets a hint instead.
  await patron.locator('#keep-hint', { hasText: 'If you let us remember you' }).waitFor();

  // The next chat is anonymous: no "Returning", no offer, and an empty card.
  await patron.getByRole('button', { name: 'Start a new chat' }).click();
  await patron.getByRole('heading', { name: 'How can we help?' }).waitFor();
  await askSent(patron, Q4);
  const item4 = queueItem(sam, Q4);
  await item4.waitFor();
  assert.equal(await item4.locator('.badge', { hasText: 'Returning' }).count(), 0);
  assert.equal(await item4.locator('.q-offer').count(), 0);
  await item4.getByRole('button', { name: 'Pick up' }).click();
  await samCard.getByText('Anonymous patron — nothing is remembered.').waitFor();
  assert.equal(await samCard.locator('.history-item').count(), 0);
  assert.equal(await samCard.getByText(NOTE).count(), 0);
  await screenshot(sam, 'rel-console-card-forgotten.png');

  const bad = problems.filter((p) => /Content Security Policy|pageerror/i.test(p));
  assert.deepEqual(bad, [], 'no script errors or CSP violations');
  await patronCtx.close();
  await jenCtx.close();
  await samCtx.close();
});

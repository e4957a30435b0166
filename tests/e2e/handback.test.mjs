// No patron left alone, in real browsers. Sam's console disappears mid-chat: after the
// grace the patron (on a phone) is told in plain words that someone else will join, and
// Jen picks the chat up with everything said so far. Logging out or going Away with a
// chat asks what to do; Away librarians get no new chats; new patrons can ring.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO, desktopContext, consoleLogin, screenshot, watchPage, until, startWithBrowser, stopWithBrowser, openPage, askQuestion,
} from './server.mjs';

const GRACE = 2000;
let stack;
let browser;

before(async () => ({ stack, browser } = await startWithBrowser({ extraArgs: () => ['--handback-grace-ms', String(GRACE)] })));

after(() => stopWithBrowser({ stack, browser }));

async function patronAsks(question) {
  const { ctx, page } = await openPage(browser, { url: stack.base + '/chat' });
  await page.locator('#library-name', { hasText: /\S/ }).waitFor();
  await askQuestion(page, question);
  await page.getByRole('heading', { name: /in the queue/ }).waitFor();
  return { ctx, page };
}

async function librarian(who, { notifications } = {}) {
  const ctx = await desktopContext(browser);
  ctx.setDefaultTimeout(10000);
  if (notifications) {
    // Records desktop notifications the page shows (the permission prompt says yes).
    await ctx.addInitScript(() => {
      window.__notes = [];
      class FakeNotification {
        constructor(title, opts) {
          window.__notes.push({ title, body: (opts && opts.body) || '' });
        }
        close() {}
      }
      FakeNotification.permission = 'default';
      FakeNotification.requestPermission = async () => {
        FakeNotification.permission = 'granted';
        return 'granted';
      };
      window.Notification = FakeNotification;
    });
  }
  const page = await ctx.newPage();
  await consoleLogin(page, stack.base, who);
  return { ctx, page };
}

test('Sam\'s console closes mid-chat: the patron is told, Jen picks it up with the transcript', async () => {
  const problems = [];
  const question = 'Can I get old maps of the river scanned?';
  const jen = await librarian(DEMO.jen);
  watchPage(jen.page, problems);
  const sam = await librarian(DEMO.sam);
  watchPage(sam.page, problems);
  const patron = await patronAsks(question);
  watchPage(patron.page, problems);

  const samItem = sam.page.locator('#queue-list .q-item', { hasText: question });
  await samItem.getByRole('button', { name: 'Pick up' }).click();
  await sam.page.locator('#logs .log:not([hidden]) .msg', { hasText: question }).waitFor();
  await sam.page.getByLabel('Reply to the patron').fill('Let me check what we have scanned already.');
  await sam.page.getByLabel('Reply to the patron').press('Enter');
  await patron.page.getByRole('heading', { name: 'Chatting with Sam Lee' }).waitFor();
  await patron.page.getByText('Let me check what we have scanned already.').waitFor();
  await jen.page.getByText('No one is waiting right now.').waitFor();

  // Sam's browser goes away (tab closed, crash) in the middle of the chat.
  const gone = Date.now();
  await sam.ctx.close();

  const notice = 'Sam Lee had to leave; another librarian will join you shortly. Your conversation is kept.';
  await patron.page.getByRole('heading', { name: 'Waiting for another librarian' }).waitFor({ timeout: GRACE + 8000 });
  assert.ok(Date.now() - gone >= GRACE - 200, 'not before the grace');
  await patron.page.locator('#chat-sub', { hasText: notice }).waitFor();
  await patron.page.locator('#chat-sub', { hasText: "You're first in line." }).waitFor();
  assert.equal(await patron.page.locator('#chat-sub bdi').textContent(), 'Sam Lee');
  assert.equal(await patron.page.getByText('Chatting with Sam Lee').count(), 0);
  // in the transcript too, and the conversation so far is still there
  // (the name in the event line is isolated for bidi with U+2068/U+2069)
  await patron.page.locator('.event[data-event="handed_back"]', { hasText: /\u2068?Sam Lee\u2069? had to leave; another librarian will join you shortly\. Your conversation is kept\./ }).waitFor();
  await patron.page.getByText('Let me check what we have scanned already.').waitFor();
  await screenshot(patron.page, 'stranded-patron-handed-back.png');

  // Jen sees it at the front of the queue, handed back, and picks it up.
  const item = jen.page.locator('#queue-list .q-item', { hasText: question });
  await item.locator('.q-handed', { hasText: 'Handed back by Sam Lee' }).waitFor();
  await screenshot(jen.page, 'stranded-console-queue.png');
  await item.getByRole('button', { name: 'Pick up' }).click();
  const log = jen.page.locator('#logs .log:not([hidden])');
  await log.locator('.msg', { hasText: question }).waitFor();
  await log.locator('.msg', { hasText: 'Let me check what we have scanned already.' }).waitFor();
  await log.getByText(/\u2068?Sam Lee\u2069? handed the chat back to the queue/).waitFor();
  await jen.page.getByLabel('Reply to the patron').fill('Hi, I am Jen, picking up where Sam left off.');
  await jen.page.getByLabel('Reply to the patron').press('Enter');
  await screenshot(jen.page, 'stranded-console-picked.png');

  await patron.page.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();
  await patron.page.getByText('Hi, I am Jen, picking up where Sam left off.').waitFor();
  await screenshot(patron.page, 'stranded-patron-jen.png');
  assert.deepEqual(problems.filter((p) => /pageerror|Content Security Policy/.test(p)), []);

  // Logging out with a chat asks first; "finish it first" keeps Jen, Away, until it ends.
  await jen.page.getByRole('button', { name: 'Log out' }).click();
  const dialog = jen.page.getByRole('dialog', { name: 'Before you log out: you have 1 active chat' });
  await dialog.waitFor();
  await screenshot(jen.page, 'stranded-console-logout-dialog.png');
  await dialog.getByRole('button', { name: 'Finish it first' }).click();
  await jen.page.locator('#duty-state', { hasText: 'Away · leaving' }).waitFor();
  // Away: patrons see nobody on; a new patron's chat cannot be picked up by Jen meanwhile
  const other = await patronAsks('Is the library open on Sunday?');
  await other.page.locator('#chat-sub', { hasText: 'No one is on right now' }).waitFor();
  const otherItem = jen.page.locator('#queue-list .q-item', { hasText: 'Is the library open on Sunday?' });
  await otherItem.waitFor();
  assert.equal(await otherItem.getByRole('button', { name: 'Pick up' }).isDisabled(), true);
  await jen.page.locator('#queue-why', { hasText: 'You are Away and will be logged out' }).waitFor();
  await screenshot(jen.page, 'stranded-console-away.png');
  // a reload keeps both the chat and the plan to leave
  await jen.page.reload();
  await jen.page.locator('#duty-state', { hasText: 'Away · leaving' }).waitFor();
  await jen.page.locator('#mine-list .mine-item').first().click();
  await jen.page.locator('#logs .log:not([hidden]) .msg', { hasText: 'Hi, I am Jen, picking up where Sam left off.' }).waitFor();
  // the chat ends: Jen is logged out
  await jen.page.getByRole('button', { name: 'End chat' }).click();
  await jen.page.getByRole('heading', { name: 'Sign in to the reference desk' }).waitFor();

  await patron.ctx.close();
  await other.ctx.close();
  await jen.ctx.close();
});

test('going Away with a chat can hand it back now; a new patron rings when switched on', async () => {
  const problems = [];
  const sam = await librarian(DEMO.sam, { notifications: true });
  watchPage(sam.page, problems);
  // a patron from the first test is still waiting: pick it up
  const waiting = sam.page.locator('#queue-list .q-item', { hasText: 'Is the library open on Sunday?' });
  await waiting.getByRole('button', { name: 'Pick up' }).click();
  await sam.page.locator('#cap', { hasText: /^1 of \d+ chats?$/ }).waitFor();

  // alerts: off until switched on, remembered across a reload
  const box = sam.page.getByLabel('Alerts for new patrons');
  assert.equal(await box.isChecked(), false);
  await box.check();
  await sam.page.reload();
  await sam.page.locator('#me-name', { hasText: DEMO.sam.name }).waitFor();
  assert.equal(await sam.page.getByLabel('Alerts for new patrons').isChecked(), true);
  await sam.page.locator('#mine-list .mine-item').first().waitFor(); // a reload keeps the chat
  await sam.page.evaluate(() => window.Notification.requestPermission());
  const p = await patronAsks('Do you lend telescopes?');
  await until(() => sam.page.evaluate(() => window.__notes.length > 0), 8000, 'a notification');
  const note = (await sam.page.evaluate(() => window.__notes))[0];
  assert.equal(note.title, 'New patron waiting');
  assert.match(note.body, /Do you lend telescopes\?/);
  assert.ok(Number(await sam.page.evaluate(() => document.documentElement.dataset.newPatronSounds)) >= 1);

  // Go Away with a chat: hand it back now
  await sam.page.getByRole('button', { name: 'Go Away' }).click();
  const dialog = sam.page.getByRole('dialog', { name: 'Before you go Away: you have 1 active chat' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Hand it back to the front of the queue now' }).click();
  await sam.page.locator('#duty-state', { hasText: /^Away$/ }).waitFor();
  await sam.page.getByText('Chats you pick up appear here.').waitFor();
  await sam.page.getByRole('alert').filter({ hasText: 'Your chat went back to the front of the queue' }).waitFor();
  // it is first in the queue again, before the telescope question
  await until(async () => (await sam.page.locator('#queue-list .q-question').first().textContent()) === 'Is the library open on Sunday?',
    5000, 'handed-back chat first');
  await screenshot(sam.page, 'stranded-console-away-handed.png');
  // while Away no alerts ring
  const before = await sam.page.evaluate(() => window.__notes.length);
  const p2 = await patronAsks('Where do I renew a book?');
  await sam.page.locator('#queue-list .q-item', { hasText: 'Where do I renew a book?' }).waitFor();
  assert.equal(await sam.page.evaluate(() => window.__notes.length), before);
  // back on duty: Pick up works again
  await sam.page.getByRole('button', { name: 'Back on duty' }).click();
  await sam.page.locator('#duty-state', { hasText: 'On duty' }).waitFor();
  await until(() => sam.page.locator('#queue-list .q-item').first().getByRole('button', { name: 'Pick up' }).isEnabled(), 5000, 'Pick up enabled');
  assert.deepEqual(problems.filter((x) => /pageerror|Content Security Policy/.test(x)), []);
  await p.ctx.close();
  await p2.ctx.close();
  await sam.ctx.close();
});

// When a wait grows past what we said, the patron may leave the question by e-mail
// instead: the queued chat ends and the question comes back, ready to send as an offline
// question, which becomes a case the console lists. (Making a real wait grow takes more
// than a minute, so the test reveals the notice the way the page does when the server
// says the wait grew, and then uses it as a patron would.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO, startStack, screenshot, until, openConsole, openPatron, startWithBrowser, stopWithBrowser, openPage, askQuestion,
} from './server.mjs';
import { connect, queuedPatron } from './protocol-clients.mjs';

let stack;
let browser;

before(async () => {
  // an offline question needs a server that can send e-mail (without one it is refused);
  // nothing listens on port 9, which is fine: only the case matters here
  ({ stack, browser } = await startWithBrowser({ extraArgs: () => ['--smtp-url', 'smtp://127.0.0.1:9'] }));
});

after(() => stopWithBrowser({ stack, browser }));

test('a grown wait: leave the question by e-mail instead', async () => {
  const problems = [];
  const { ctx: staffCtx, page: staff } = await openConsole(browser, stack.base, DEMO.jen, problems);

  const { ctx: patronCtx, page: patron } = await openPatron(browser, stack.base, problems);
  const question = 'Can someone check whether the 1911 census microfilm is back?';
  await askQuestion(patron, question);
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

// ---- the wait grows while every librarian is full (a clock 30 times faster) -------------

const SCALE = 30; // one real second is half a minute on the server's clock

async function staffClient(base, who, listed) {
  const res = await fetch(base + '/api/v1/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: who.email, password: who.password }),
  });
  assert.equal(res.status, 200);
  const cookie = (res.headers.get('set-cookie') || '').split(';')[0];
  const { csrf } = await res.json();
  if (listed) {
    const p = await fetch(base + '/api/v1/me/profile', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
      body: JSON.stringify({ name: who.name, pronouns: '', subjects: 'local history', bio: '', listed: true }),
    });
    assert.equal(p.status, 200);
  }
  const c = connect(base, { Cookie: cookie });
  await c.opened;
  c.send({ type: 'hello', role: 'staff' });
  await c.next('welcome');
  return c;
}

/**
 * A rapport on a fast clock (SCALE, at most one chat each) with Jen and Sam on duty over
 * the protocol, Sam listed for patrons and Jen too if `jenListed`, for `body({fast, jen,
 * sam, clients})`; after it, every client in `clients` is closed and the server stopped.
 */
async function onFastDesk(jenListed, body) {
  const fast = await startStack({ extraArgs: () => ['--time-scale', String(SCALE), '--max-chats', '1'] });
  const clients = [];
  try {
    const jen = await staffClient(fast.base, DEMO.jen, jenListed);
    const sam = await staffClient(fast.base, DEMO.sam, true);
    clients.push(jen, sam);
    await body({ fast, jen, sam, clients });
  } finally {
    for (const c of clients) c.close();
    await fast.stop();
  }
}

/**
 * `n` warm-up chats, each picked by `st`, kept `ms` (real time) and ended: the history a
 * wait estimate is made from. Their patrons' clients go into `clients`.
 */
async function warmUp(base, st, clients, n, ms) {
  for (let i = 0; i < n; i++) {
    const p = await queuedPatron(base, `Warm-up question ${i}`);
    clients.push(p);
    st.send({ type: 'pick', chat: p.chat });
    await new Promise((r) => setTimeout(r, ms));
    st.send({ type: 'end', chat: p.chat });
    await new Promise((r) => setTimeout(r, 200));
  }
}

// "under a minute" -> 0, "about 8 minutes" -> 8, "about 1 hour 15 minutes" -> 75
function minutesIn(text) {
  if (/under a minute/.test(text)) return 0;
  const h = /(\d+) hours?/.exec(text);
  const m = /(\d+) minutes?/.exec(text);
  if (!h && !m) return null;
  return (h ? Number(h[1]) * 60 : 0) + (m ? Number(m[1]) : 0);
}

test('both librarians full: the start page says so, and the estimate rises honestly', { timeout: 90000 }, async () => {
  await onFastDesk(false, async ({ fast, jen, sam, clients }) => {
    const problems = [];
    // history: three chats of about 40 s each (server time)
    await warmUp(fast.base, jen, clients, 3, 1300);
    // both at their cap of one
    const a = await queuedPatron(fast.base, 'A long question about maps');
    const b = await queuedPatron(fast.base, 'A long question about deeds');
    clients.push(a, b);
    jen.send({ type: 'pick', chat: a.chat });
    sam.send({ type: 'pick', chat: b.chat });
    await new Promise((r) => setTimeout(r, 300));

    const { ctx, page } = await openPage(browser, { timeout: 15000, problems, url: fast.base + '/chat' });
    const on = page.locator('#staff-on');
    await on.filter({ hasText: '2 librarians on, all helping others right now' }).waitFor();
    assert.match(await on.textContent(), /A new question will likely wait (under a minute|about \d+ minutes?)\./);
    // Sam is listed and busy: the option says so, and choosing Sam says what it means
    const samOption = page.locator('.who-option', { hasText: 'Sam Lee' });
    await samOption.locator('.who-busy', { hasText: 'Helping others right now' }).waitFor();
    await samOption.locator('label').click();
    const note = page.locator('#who-note');
    await note.filter({ hasText: 'is helping others right now' }).waitFor();
    assert.match(await note.textContent(), /First available/);
    assert.equal(await note.locator('bdi').textContent(), 'Sam');
    await screenshot(page, 'waits-start-all-busy.png');
    // ask anyone
    await page.locator('.who-option', { hasText: 'First available' }).locator('label').click();
    assert.equal(await note.isHidden(), true);
    await askQuestion(page, 'Is the 1850 county map digitised?');
    await page.getByRole('heading', { name: "You're number 1 in the queue" }).waitFor();
    const sub = page.locator('#chat-sub');
    await sub.filter({ hasText: 'Your wait:' }).waitFor();
    const seen = [];
    let grewText = '';
    let shownBeforeGrew = null;
    await until(async () => {
      const t = await sub.textContent();
      const m = minutesIn(t);
      if (m !== null && (!seen.length || seen[seen.length - 1] !== m)) seen.push(m);
      if (!grewText && await page.locator('#wait-grew').isVisible()) {
        grewText = await page.locator('#wait-grew-text').textContent();
        shownBeforeGrew = seen.length > 1 ? seen[seen.length - 2] : seen[0];
      }
      return grewText && seen.length >= 3;
    }, 40000, 'a rising estimate and a grew notice');
    // the estimate rose while nobody was free, and never fell
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], `fell: ${seen.join(' -> ')}`);
    assert.ok(seen[seen.length - 1] > seen[0], `did not rise: ${seen.join(' -> ')}`);
    // the notice names a bigger number than the one shown before it, never "under a minute"
    assert.match(grewText, /^It's taking longer than we said: about \d+ minutes? now\./);
    assert.ok(minutesIn(grewText) > shownBeforeGrew, `${grewText} after ${shownBeforeGrew} minutes`);
    // while it shows, the notice keeps the same number as the heading
    await until(async () => minutesIn(await page.locator('#wait-grew-text').textContent()) === minutesIn(await sub.textContent()),
      5000, 'the notice and the heading agree');
    await screenshot(page, 'waits-grew-phone.png');
    console.log('waits: shown', seen.join(' -> '), '| notice:', grewText);
    await ctx.close();
    assert.deepEqual(problems.filter((p) => /Content Security Policy|pageerror/i.test(p)), []);
  });
});

test('asking for a busy librarian: how long that is likely to be, with First available open', { timeout: 90000 }, async () => {
  await onFastDesk(true, async ({ fast, jen, sam, clients }) => {
    const problems = [];
    await warmUp(fast.base, sam, clients, 2, 3000); // two chats of about 90 s (server time)
    const held = await queuedPatron(fast.base, 'A long question about parish records');
    clients.push(held);
    sam.send({ type: 'pick', chat: held.chat }); // Sam full, Jen free
    await new Promise((r) => setTimeout(r, 300));

    const { ctx, page } = await openPage(browser, { timeout: 15000, problems, url: fast.base + '/chat' });
    await page.locator('#staff-on').filter({ hasText: '2 librarians on now' }).waitFor();
    const samOption = page.locator('.who-option', { hasText: 'Sam Lee' });
    await samOption.locator('.who-busy', { hasText: /Likely wait: (under a minute|about \d+ minutes?)\./ }).waitFor();
    assert.equal(await page.locator('.who-option', { hasText: 'Jen Ortiz' }).locator('.who-busy').count(), 0);
    await samOption.locator('label').click();
    await askQuestion(page, 'Could Sam look at my parish register question?');
    const offer = page.locator('#offer-box');
    await offer.getByText('Waiting for Sam Lee, as you asked.').waitFor();
    const time = page.locator('#offer-time');
    await time.filter({ hasText: /will likely be free for you in (under a minute|about \d+ minutes?)\./ }).waitFor();
    assert.match(await time.textContent(), /The first available librarian: likely under a minute\./);
    assert.equal(await time.locator('bdi').first().textContent(), 'Sam');
    const first = page.getByRole('button', { name: 'First available' });
    assert.equal(await first.isVisible(), true);
    await screenshot(page, 'waits-asked-busy-phone.png');
    await first.click();
    await offer.waitFor({ state: 'hidden' });
    await page.locator('#chat-sub').filter({ hasText: 'Your wait: under a minute.' }).waitFor();
    await ctx.close();
    assert.deepEqual(problems.filter((p) => /Content Security Policy|pageerror/i.test(p)), []);
  });
});

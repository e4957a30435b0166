// Offline questions and the pages patrons open from e-mails, end to end: a real SMTP
// server (tests/api/smtp_sink.py) on loopback, Chromium on a phone for the patron and on
// a desktop for the librarian.
//
// With nobody on duty a patron leaves a question; Jen's console shows it, with its whole
// thread on demand. The patron opens the link from the acknowledgement on the phone: the
// page has the chat page's look and names the library, with times in the library's zone
// in words. The patron replies there and the console shows the reply live (no reload);
// Jen answers and closes the case, and the patron's page then says it is closed and
// takes no reply. Last, the follow-up page from a check-in e-mail names the library and
// the librarian. A second server without SMTP tells the patron plainly that the library
// cannot send e-mail. Screenshots: /tmp/rapport-shots/cases-*.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO, startStack, screenshot, watchPage, until, openConsole, startWithBrowser, stopWithBrowser, openPage, startMailSink,
} from './server.mjs';
import { patron as wsPatron, staff as wsStaff, login, staffRest, remember, endedChat } from '../api/lib.mjs';
import AxeBuilder from '@axe-core/playwright';

const Q = 'Do you hold the parish maps of Riverside from the 1880s?';
const ME = 'maps.reader@example.org';
const LIBRARY = 'Riverside Public Library';

let stack;
let browser;
let sink;

function plainText(raw) {
  const b = /boundary="([^"]+)"/.exec(raw);
  for (const c of b ? raw.split(`--${b[1]}`) : [raw]) {
    const cut = c.indexOf('\r\n\r\n');
    if (cut < 0 || !c.slice(0, cut).toLowerCase().includes('text/plain')) continue;
    return Buffer.from(c.slice(cut + 4).replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  return '';
}

before(async () => {
  sink = await startMailSink({ reject: 'bounce' });
  ({ stack, browser } = await startWithBrowser({
    extraArgs: ({ base }) => ['--smtp-url', `smtp://127.0.0.1:${sink.port}`,
      '--mail-from', 'desk@library.example.org', '--public-url', base],
  }));
});

after(async () => {
  await stopWithBrowser({ stack, browser });
  await sink?.stop();
});

/** axe-core's serious or critical violations on the page (none expected). */
async function serious(page) {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} -> ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The page fits a 390 px phone: nothing scrolls sideways. */
async function fitsPhone(page) {
  const w = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(w[0] <= w[1], `no sideways scroll (${w})`);
}

test('a case: the thread in the console, live; the patron page on a phone; closing', async () => {
  const problems = [];
  const { ctx: phone, page: patron } = await openPage(browser, { problems });

  // nobody on duty: the patron leaves a question by e-mail
  await patron.goto(stack.base + '/chat');
  await patron.getByLabel('Your question').fill(Q);
  await patron.getByLabel('Your e-mail address').fill(ME);
  await patron.getByRole('button', { name: 'Leave it by e-mail instead' }).click();
  await patron.locator('#offline-status', { hasText: 'We have your question and will answer by e-mail by' }).waitFor();
  const said = await patron.locator('#offline-status').textContent();
  assert.match(said, /by [A-Z][a-z]+day \d{1,2} [A-Z][a-z]+, \d{1,2}:\d\d [ap]m\./, said);

  const ack = await until(() => sink.received().find((m) => m.rcpt_tos.includes(ME)), 15000, 'the acknowledgement');
  const ackText = plainText(ack.data);
  const link = /(http:\/\/\S+\/case\?t=[A-Za-z0-9_-]{43})/.exec(ackText)[1];
  assert.match(ackText, /answer by e-mail by [A-Z][a-z]+day \d{1,2} [A-Z][a-z]+, \d{1,2}:\d\d [ap]m\./);

  // Jen's console lists it; its thread is the question so far
  const { ctx: desk, page: jen } = await openConsole(browser, stack.base, DEMO.jen, problems);
  const item = jen.locator('#cases .case-item', { hasText: Q });
  await item.waitFor();
  await item.getByRole('button', { name: 'Show the whole thread' }).click();
  const thread = item.locator('.case-thread');
  await thread.locator('.case-msg').first().waitFor();
  assert.equal(await thread.locator('.case-msg').count(), 1);

  // the patron opens the link on the phone: the library's name, the look, local times
  const page = await phone.newPage();
  watchPage(page, problems);
  await page.goto(link);
  await page.locator('#library-name', { hasText: LIBRARY }).waitFor();
  await page.locator('.thread-msg', { hasText: Q }).waitFor();
  const state = await page.locator('#case-state').textContent();
  assert.match(state, /^The library will answer by [A-Z][a-z]+day \d{1,2} [A-Z][a-z]+, \d{1,2}:\d\d [ap]m\.$/);
  // styled: the chat page's green header and a card, not a bare document
  const header = await page.locator('.chat-header').evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.equal(header, 'rgb(11, 102, 96)');
  const card = await page.locator('#thread-box').evaluate((e) => getComputedStyle(e).borderRadius);
  assert.equal(card, '12px');
  await fitsPhone(page);
  assert.deepEqual(await serious(page), []);
  await screenshot(page, 'cases-patron-page.png');

  // Jen starts an answer; the patron replies on the web: Jen's open thread shows it
  // without a reload, and her draft survives the live update
  const ANSWER = 'Yes, both: ask at the map room on the second floor.';
  await item.getByLabel('Answer').fill(ANSWER);
  await page.getByLabel('Reply to the library').fill('Also the tithe maps, if you have them.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await page.getByText('Sent. The library will see your reply.').waitFor();
  await jen.locator('#cases .case-msg', { hasText: 'Also the tithe maps' }).waitFor();
  await jen.locator('#cases').getByText(/the patron replied/).waitFor();
  assert.equal(await jen.locator('#cases .case-item', { hasText: Q }).getByLabel('Answer').inputValue(), ANSWER);

  // Jen answers; the thread is question, patron reply, answer, in order, with local times
  const again = jen.locator('#cases .case-item', { hasText: Q });
  await again.getByRole('button', { name: 'Send by e-mail' }).click();
  await jen.locator('#cases').getByText(/your answer is queued to be e-mailed/).waitFor();
  const msgs = jen.locator('#cases .case-item', { hasText: Q }).locator('.case-msg');
  await until(async () => (await msgs.count()) === 3, 10000, 'three messages');
  const bodies = await msgs.locator('.case-msg-body').allTextContents();
  assert.deepEqual(bodies, [Q, 'Also the tithe maps, if you have them.', 'Yes, both: ask at the map room on the second floor.']);
  const meta = await msgs.locator('.case-msg-meta').allTextContents();
  assert.match(meta[0], /^Patron \(question\) · [A-Z][a-z]+day \d{1,2} [A-Z][a-z]+, \d{1,2}:\d\d [ap]m$/);
  assert.match(meta[2], /^Jen Ortiz · /);
  assert.deepEqual(await serious(jen), []);
  await screenshot(jen, 'cases-console-thread.png');

  // the patron page shows the answer after a reload
  await page.reload();
  await page.locator('.thread-msg', { hasText: 'map room on the second floor' }).waitFor();
  assert.equal(await page.locator('.thread-msg').count(), 3);

  // Jen closes the case: it leaves the list; the patron page says closed, with no form
  await jen.locator('#cases .case-item', { hasText: Q }).getByRole('button', { name: /^Close case \d+$/ }).click();
  await jen.locator('#cases').getByText(/Case \d+ is closed\./).waitFor();
  await until(async () => (await jen.locator('#cases .case-item', { hasText: Q }).count()) === 0, 10000, 'gone from the list');
  await page.reload();
  await page.locator('#case-state', { hasText: /^The library closed this question on [A-Z][a-z]+day \d{1,2} [A-Z][a-z]+, \d{1,2}:\d\d [ap]m\./ }).waitFor();
  assert.equal(await page.locator('#reply-form').isVisible(), false);
  await fitsPhone(page);
  assert.deepEqual(await serious(page), []);
  await screenshot(page, 'cases-patron-closed.png');

  assert.deepEqual(problems.filter((p) => /Content Security Policy|pageerror/i.test(p)), []);
  await phone.close();
  await desk.close();
});

test('the follow-up page names the library and the librarian, styled, on a phone', async () => {
  const srv = { port: stack.port ?? Number(new URL(stack.base).port), get wsUrl() { return `ws://127.0.0.1:${this.port}/ws`; }, get origin() { return `http://127.0.0.1:${this.port}`; } };
  const st = await wsStaff(srv, DEMO.jen.email, DEMO.jen.password);
  const p = await wsPatron(srv, { library: 'demo' });
  assert.equal((await remember(p, { display_name: 'Ana', email: 'ana.fu@example.org' })).relation.remembered, true);
  const chat = await endedChat(st, p, 'Help with the parish maps');
  const rest = staffRest(srv.port, await login(srv.port, DEMO.jen.email, DEMO.jen.password));
  const r = await rest.post(`/api/v1/chats/${chat}/followup`, { due_at: Date.now(), message: 'Did you find the maps?' });
  assert.equal(r.status, 201, r.text);
  const mail = await until(() => sink.received().find((m) => m.rcpt_tos.includes('ana.fu@example.org')), 15000, 'the check-in');
  const rate = /(http:\/\/\S+\/followup\.html\?t=[A-Za-z0-9_-]{43})&r=5/.exec(plainText(mail.data))[1];

  const problems = [];
  const { ctx: phone, page } = await openPage(browser, { problems, url: `${rate}&r=5` });
  await page.locator('#library-name', { hasText: LIBRARY }).waitFor();
  await page.getByText('Thank you! You rated it 5 of 5.').waitFor();
  const about = await page.locator('#about').textContent();
  assert.match(about, /^Jen Ortiz asked us to check in with you, [A-Z][a-z]+day \d{1,2} [A-Z][a-z]+, \d{1,2}:\d\d [ap]m\.$/);
  assert.equal(await page.locator('#about bdi').textContent(), 'Jen Ortiz');
  assert.ok(await page.getByRole('radio', { name: '5' }).isChecked());
  const header = await page.locator('.chat-header').evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.equal(header, 'rgb(11, 102, 96)');
  await fitsPhone(page);
  assert.deepEqual(await serious(page), []);
  await screenshot(page, 'cases-followup-page.png');

  // a check-in whose mail bounced shows on the console's card as undeliverable
  const b = await wsPatron(srv, { library: 'demo' });
  assert.equal((await remember(b, { display_name: 'Bo', email: 'bounce.fu@example.org' })).relation.remembered, true);
  const c1 = await endedChat(st, b, 'A first question from Bo');
  const r2 = await rest.post(`/api/v1/chats/${c1}/followup`, { due_at: Date.now(), message: 'Did the bounce work?' });
  assert.equal(r2.status, 201, r2.text);
  await until(async () => ((await rest.get('/api/v1/followups?state=undeliverable')).json.followups || []).some((f) => f.id === r2.json.followup.id),
    15000, 'the follow-up to be undeliverable');
  const { ctx: desk, page: jen } = await openConsole(browser, stack.base, DEMO.jen, problems);
  await b.join('Bo again: did you get my note?');
  const q = jen.locator('#queue-list .q-item', { hasText: 'Bo again' });
  await q.getByRole('button', { name: 'Pick up' }).click();
  const fu = jen.locator('#card .followup', { hasText: 'Did the bounce work?' });
  await fu.locator('.followup-state', { hasText: 'Undeliverable: the e-mail could not be sent' }).waitFor();
  assert.equal(await fu.getByRole('button', { name: 'Cancel' }).count(), 0, 'nothing to cancel');
  await screenshot(jen, 'cases-card-undeliverable.png');

  assert.deepEqual(problems.filter((x) => /Content Security Policy|pageerror/i.test(x)), []);
  await phone.close();
  await desk.close();
  await b.close();
  await p.close();
  await st.close();
});

test('with no SMTP server the patron is told the library cannot send e-mail', async () => {
  const plain = await startStack();
  try {
    const { ctx: phone, page: patron } = await openPage(browser, { url: plain.base + '/chat' });
    await patron.getByLabel('Your question').fill(Q);
    // nobody on duty and no e-mail: said up front; no e-mail field, no "Leave it" button
    await patron.locator('#offline-status', { hasText: 'This library cannot send e-mail right now, so you cannot leave a question here.' }).waitFor();
    assert.equal(await patron.getByRole('button', { name: 'Leave it by e-mail instead' }).isVisible(), false);
    assert.equal(await patron.getByLabel('Your e-mail address').isVisible(), false);
    // and the server refuses one anyway, in the same words as the page
    const r = await patron.evaluate(() => new Promise((resolve) => {
      const ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/ws', 'rapport.v1');
      ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', role: 'patron', library: 'demo' }));
      ws.onmessage = (e) => {
        const f = JSON.parse(e.data);
        for (const x of f.type === 'batch' ? f.frames : [f]) {
          if (x.type === 'welcome') ws.send(JSON.stringify({ type: 'ask_offline', queue: x.queues[0].id, text: 'Anyone?', email: 'a@example.org' }));
          if (x.type === 'error' || x.type === 'case_created') { ws.close(); resolve(x); }
        }
      };
    }));
    assert.equal(r.code, 'mail_unavailable');
    await screenshot(patron, 'cases-no-smtp.png');
    const h = await (await fetch(plain.base + '/healthz')).json();
    assert.equal(h.mail.status, 'undeliverable');
    await phone.close();
  } finally {
    await plain.stop();
  }
});

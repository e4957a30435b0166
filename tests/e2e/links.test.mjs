// Safe links and bidi isolation, in two browsers: a patron on a phone and a librarian at
// the console.
// - Links: http, https and mailto addresses become <a> elements (the text exactly as
//   typed, rel="noopener noreferrer nofollow", target="_blank") on both sides; hostile
//   payloads (javascript:, look-alikes, data:, HTML, markdown) stay inert text, and
//   clicking anything in them runs no script.
// - Bidi: a patron whose name carries a right-to-left override (U+202E) does not reorder
//   the console's own text: the name sits in its own <bdi> in My chats, the pane heading
//   and the promise list; the promise dialog previews what was typed.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO, desktopContext, consoleLogin, screenshot, until, SHOTS, openConsole, openPatron, startWithBrowser, stopWithBrowser, openPage, askQuestion,
} from './server.mjs';
import { mkdir } from 'node:fs/promises';
import { connect } from './protocol-clients.mjs';

let stack;
let browser;

before(async () => ({ stack, browser } = await startWithBrowser()));

after(() => stopWithBrowser({ stack, browser }));

const REL = 'noopener noreferrer nofollow';
const href = (s) => new URL(s).href;

/** What a bubble shows: its text, and each element inside it as [tag, text, href, rel, target]. */
function bubbleDom(loc) {
  return loc.evaluate((li) => {
    const p = li.querySelector('.msg-text');
    return {
      text: p.textContent,
      nodes: [...p.querySelectorAll('*')].map((e) => [e.tagName, e.textContent, e.getAttribute('href'), e.getAttribute('rel'), e.getAttribute('target')]),
    };
  });
}

test('links in messages: only http, https and mailto become links, on both sides; nothing hostile runs', async () => {
  const problems = [];
  const { ctx: staffCtx, page: staff } = await openConsole(browser, stack.base, DEMO.jen, problems);

  const { ctx: patronCtx, page: patron } = await openPatron(browser, stack.base, problems);
  const question = 'Where can I read about the Erie Canal?';
  await askQuestion(patron, question);
  const item = staff.locator('#queue-list .q-item', { hasText: question });
  await item.getByRole('button', { name: 'Pick up' }).click();
  await patron.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();
  const staffLog = staff.locator('#logs .log:not([hidden])');

  const local = `${stack.base}/healthz`;
  // [who sends, text, the links expected as [text as typed, href]]
  const cases = [
    ['patron', 'See https://example.org/guide). And (https://en.wikipedia.org/wiki/Erie_Canal).',
      [['https://example.org/guide', href('https://example.org/guide')],
        ['https://en.wikipedia.org/wiki/Erie_Canal', href('https://en.wikipedia.org/wiki/Erie_Canal')]]],
    ['patron', 'javascript:window.__pwned=1 JaVaScRiPt:window.__pwned=2 &#106;avascript:window.__pwned=3 java&#09;script:x', []],
    ['patron', '<a href="javascript:window.__pwned=4">click me</a> <img src=x onerror="window.__pwned=5"> [docs](javascript:window.__pwned=6)', []],
    ['patron', 'data:text/html,<script>window.__pwned=7</script> vbscript:msgbox(1) ｊavascript:alert(1) һttps://evil.example', []],
    ['patron', 'Write to mailto:ask@library.example?subject=Hi or MAILTO:desk@library.example.',
      [['mailto:ask@library.example?subject=Hi', 'mailto:ask@library.example?subject=Hi'],
        ['MAILTO:desk@library.example', 'mailto:desk@library.example']]],
    ['staff', `Here: ${local} and HTTPS://Example.org/a_(b), not javascript:window.__pwned=8 or [x](https://example.org/md).`,
      [[local, local], ['HTTPS://Example.org/a_(b)', href('https://example.org/a_(b)')], ['https://example.org/md', 'https://example.org/md']]],
  ];

  for (const [who, text, links] of cases) {
    const box = who === 'patron' ? patron.getByLabel('Your message') : staff.getByLabel('Reply to the patron');
    await box.fill(text);
    await box.press('Enter');
    for (const [page, log] of [[patron, patron.locator('#log')], [staff, staffLog]]) {
      const li = log.locator('.msg', { has: page.locator('.msg-text', { hasText: text.slice(0, 20) }) }).last();
      await li.waitFor();
      await until(async () => (await bubbleDom(li)).text === text, 5000, `${who}'s message on ${page === patron ? 'the patron page' : 'the console'}`);
      const dom = await bubbleDom(li);
      assert.equal(dom.text, text, 'the text is exactly as typed');
      assert.deepEqual(dom.nodes, links.map(([t, h]) => ['A', t, h, REL, '_blank']),
        `${page === patron ? 'patron page' : 'console'}: ${text}`);
    }
  }

  // Click everything inside every bubble on both sides, hostile text included; links open
  // in a new tab without a way back to us (noopener).
  const opened = [];
  for (const ctx of [patronCtx, staffCtx]) ctx.on('page', (p) => opened.push(p));
  for (const page of [patron, staff]) {
    await page.route(/example\.org|wikipedia\.org|library\.example/, (r) => r.fulfill({ status: 204, body: '' }));
    const targets = page.locator('#log .msg-text, #logs .log:not([hidden]) .msg-text, .msg-text a[href^="http://127.0.0.1"]');
    const n = await targets.count();
    for (let i = 0; i < n; i++) await targets.nth(i).click({ position: { x: 3, y: 3 } });
    assert.equal(await page.evaluate(() => window.__pwned), undefined, 'no script ran');
  }
  const localLink = patron.locator('#log .msg-text a', { hasText: local });
  const [tab] = await Promise.all([patronCtx.waitForEvent('page'), localLink.click()]);
  await tab.waitForLoadState();
  assert.equal(await tab.evaluate(() => window.opener), null, 'the new tab has no opener');
  for (const p of opened) await p.close().catch(() => {});

  // The module itself, on hostile strings a textarea cannot carry (a tab, controls).
  const found = await patron.evaluate(async () => {
    const { findLinks } = await import('/js/linkify.js');
    const probe = ['java\tscript:alert(1)', 'java\nscript:alert(1)', 'javascript\u0000:alert(1)', ' javascript:https://ok.example/x',
      'https://ok.example/\u202egnp.exe', 'xhttps://glued.example', 'https://', 'mailto:javascript:alert(1)', 'http://[::1', 'https://a.example/"onmouseover="x'];
    return probe.map((s) => findLinks(s).map((l) => [s.slice(l.start, l.end), l.href]));
  });
  assert.deepEqual(found, [[], [], [], [['https://ok.example/x', 'https://ok.example/x']],
    [['https://ok.example/', 'https://ok.example/']], [], [], [], [], [['https://a.example/', 'https://a.example/']]]);

  // A promise made in the console shows on the patron's page as our sentence around the
  // librarian's name and what was typed, each isolated.
  await staff.getByRole('button', { name: 'Make a promise' }).click();
  const dlg = staff.getByRole('dialog', { name: /Promise to the patron/ });
  await dlg.getByLabel('What will you send or do?').fill('the Erie Canal reading list');
  await dlg.getByRole('button', { name: 'Promise', exact: true }).click();
  await dlg.waitFor({ state: 'hidden' });
  const promised = patron.locator('.promised-list li', { hasText: 'the Erie Canal reading list' });
  await promised.waitFor();
  assert.match(await promised.textContent(), /^Jen will e-mail you the Erie Canal reading list by /);
  assert.deepEqual(await promised.locator('bdi').allTextContents(), ['Jen', 'the Erie Canal reading list']);

  await screenshot(patron, 'links-patron.png');
  await screenshot(staff, 'links-console.png');
  assert.deepEqual(problems.filter((x) => /Content Security Policy|pageerror/i.test(x)), []);
  await staffCtx.close();
  await patronCtx.close();
});

test('a patron name with a right-to-left override stays inside its own bdi in the console', async () => {
  const problems = [];
  const NAME = 'Maya \u202Egnp.exe';
  // A remembered patron with that name, over the protocol, waiting in the queue.
  const p = connect(stack.base);
  await p.opened;
  p.send({ type: 'hello', role: 'patron', library: 'demo' });
  const welcome = await p.next('welcome');
  p.send({ type: 'remember', notice: welcome.notice && welcome.notice.version, display_name: NAME, email: 'maya@example.org' });
  const rel = await p.next('relation');
  assert.equal(rel.relation.remembered, true, JSON.stringify(rel));
  const question = 'Is the \u202Eoverride\u202C question shown as typed?';
  p.send({ type: 'join', queue: welcome.queues[0].id, cmid: 'b' + Date.now(), text: question });
  const ack = await p.next('ack');

  const { ctx: staffCtx, page: staff } = await openConsole(browser, stack.base, DEMO.jen, problems);
  const item = staff.locator('#queue-list .q-item', { hasText: 'question shown as typed' });
  await item.getByRole('button', { name: 'Pick up' }).click();
  await staff.locator('#card').getByRole('heading', { name: /Maya/ }).waitFor();

  // My chats: the name in a bdi, our " · #N" outside it.
  const mine = staff.locator(`#mine-list .mine-item[data-chat="${ack.chat}"] .mine-top`);
  await until(async () => (await mine.locator('bdi').count()) > 0, 5000, 'the name in My chats');
  const top = await mine.evaluate((n) => {
    const span = n.firstElementChild;
    return { bdi: span.querySelector('bdi').textContent, rest: [...span.childNodes].filter((c) => c.nodeType === 3).map((c) => c.textContent).join('') };
  });
  assert.deepEqual(top, { bdi: NAME, rest: ` · #${ack.chat}` });

  // The card's suggested opener (plain text, inserted into the reply): the name isolated.
  const opener = await staff.locator('#card .opener-text').textContent();
  assert.ok(opener.startsWith(`Hi \u2068${NAME}\u2069, thanks for getting in touch!`), JSON.stringify(opener));

  // The pane heading: "Chat #N · " is ours, the name is isolated.
  const heading = await staff.locator('#pane-heading').evaluate((h) => ({
    text: h.textContent,
    bdi: [...h.querySelectorAll('bdi')].map((b) => b.textContent),
    own: [...h.childNodes].filter((c) => c.nodeType === 3).map((c) => c.textContent).join(''),
  }));
  assert.equal(heading.text, `Chat #${ack.chat} · ${NAME}`);
  assert.deepEqual(heading.bdi, [NAME]);
  assert.equal(heading.own, `Chat #${ack.chat} · `);

  // The question in the transcript is its own auto-direction paragraph.
  const q = staff.locator('#logs .log:not([hidden]) .msg-text', { hasText: 'question shown as typed' });
  assert.equal(await q.getAttribute('dir'), 'auto');
  assert.equal(await q.textContent(), question);

  // A promise: the dialog previews what was typed; the list names the patron in a bdi.
  await staff.getByRole('button', { name: 'Make a promise' }).click();
  const dlg = staff.getByRole('dialog', { name: /Promise to the patron/ });
  const preview = dlg.locator('.promise-preview');
  await dlg.getByLabel('What will you send or do?').fill('the canal maps');
  await preview.getByText('the canal maps').waitFor();
  assert.match(await preview.textContent(), /^The patron sees: “Jen will e-mail you the canal maps by .+”\.$/);
  await dlg.getByLabel('Channel').selectOption('chat');
  await until(async () => /Jen will send you the canal maps by .+ here/.test(await preview.textContent()), 3000, 'the preview follows the channel');
  await screenshot(staff, 'links-promise-dialog.png');
  await dlg.getByRole('button', { name: 'Promise', exact: true }).click();
  await dlg.waitFor({ state: 'hidden' });
  const who = staff.locator('#promises .promise', { hasText: 'the canal maps' }).locator('.promise-patron');
  await who.waitFor();
  assert.equal(await who.evaluate((n) => n.tagName), 'BDI');
  assert.equal(await who.textContent(), NAME);
  assert.ok(!(await staff.locator('#promises').textContent()).includes('patron #'), 'no "patron #N" label');

  await screenshot(staff, 'links-bidi-console.png');

  // The card's check-ins: a scheduled one shows its date, its state and Cancel apart.
  const checkins = staff.locator('#card section[aria-labelledby="card-followups"]');
  await checkins.getByRole('button', { name: 'Schedule' }).click();
  const fu = checkins.locator('.followup').first();
  await fu.locator('.followup-state', { hasText: 'Scheduled' }).waitFor();
  const cancel = fu.getByRole('button', { name: /^Cancel the check-in of / });
  await cancel.waitFor();
  const [a, b] = [await fu.locator('.followup-state').boundingBox(), await cancel.boundingBox()];
  assert.ok(b.y >= a.y + a.height || b.x >= a.x + a.width + 4, `state and Cancel apart: ${JSON.stringify([a, b])}`);
  assert.equal(await fu.locator('.followup-msg').textContent(), 'How did your project go?');
  await checkins.scrollIntoViewIfNeeded();
  await mkdir(SHOTS, { recursive: true });
  await checkins.screenshot({ path: `${SHOTS}/links-card-checkins.png` });
  assert.deepEqual(problems.filter((x) => /Content Security Policy|pageerror/i.test(x)), []);
  p.close();
  await staffCtx.close();
});

test('an anonymous patron is a neutral label in the promise list', async () => {
  const p = connect(stack.base);
  await p.opened;
  p.send({ type: 'hello', role: 'patron', library: 'demo' });
  const welcome = await p.next('welcome');
  p.send({ type: 'join', queue: welcome.queues[0].id, cmid: 'a' + Date.now(), text: 'Anonymous question about maps' });
  await p.next('ack');
  const { ctx: staffCtx, page: staff } = await openPage(browser, { context: desktopContext });
  await consoleLogin(staff, stack.base, DEMO.jen);
  await staff.locator('#queue-list .q-item', { hasText: 'Anonymous question about maps' }).getByRole('button', { name: 'Pick up' }).click();
  await staff.locator('#pane-heading', { hasText: /· Patron$/ }).waitFor();
  await staff.getByRole('button', { name: 'Make a promise' }).click();
  const dlg = staff.getByRole('dialog', { name: /Promise to the patron/ });
  await dlg.getByLabel('What will you send or do?').fill('the county atlas');
  await dlg.getByRole('button', { name: 'Promise', exact: true }).click();
  await dlg.waitFor({ state: 'hidden' });
  const day = await staff.evaluate(() => new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' }).format(new Date()));
  const label = await staff.locator('#promises .promise', { hasText: 'the county atlas' }).locator('.promise-patron').textContent();
  assert.equal(label, `Anonymous patron, chat of ${day}`);
  p.close();
  await staffCtx.close();
});

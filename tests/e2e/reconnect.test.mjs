// Nothing lost on a flaky connection. The patron's WebSocket goes through a Playwright
// route that lets the test swallow frames and cut the line: a message whose `ack` never
// came is sent again after the reconnect with the same cmid and stored once, and a reply
// sent while the patron was away arrives after `resume`, with no gap and no duplicate.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO, until, openConsole, startWithBrowser, stopWithBrowser, openPage, askQuestion,
} from './server.mjs';

let stack;
let browser;

before(async () => ({ stack, browser } = await startWithBrowser()));

after(() => stopWithBrowser({ stack, browser }));

test('a dropped connection resends unacknowledged messages once and fills the gap', async () => {
  const problems = [];
  const { ctx: staffCtx, page: staff } = await openConsole(browser, stack.base, DEMO.jen, problems);

  const { ctx: patronCtx, page: patron } = await openPage(browser, { problems });

  // Every patron connection goes through here. While `deaf` is set, nothing the server
  // says reaches the page (as on a train entering a tunnel).
  const line = { deaf: false, current: null, connections: 0, sent: [] };
  await patron.routeWebSocket(/\/ws$/, (ws) => {
    line.connections++;
    line.current = ws;
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      line.sent.push(JSON.parse(String(m)));
      server.send(m);
    });
    server.onMessage((m) => {
      if (!line.deaf) ws.send(m);
    });
    ws.onClose((code, reason) => server.close({ code, reason }));
    server.onClose((code, reason) => ws.close({ code, reason }));
  });

  await patron.goto(stack.base + '/chat');
  const question = 'How do I get a library card if I just moved here?';
  await askQuestion(patron, question);
  await patron.getByRole('heading', { name: /in the queue/ }).waitFor();
  await staff.locator('#queue-list .q-item', { hasText: question }).getByRole('button', { name: 'Pick up' }).click();
  await patron.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();
  const staffLog = staff.locator('#logs .log:not([hidden])');

  // The patron sends while the server's answers are lost: the message stays pending.
  line.deaf = true;
  const wobble = 'I have a lease with my new address, is that enough?';
  await patron.getByLabel('Your message').fill(wobble);
  await patron.getByLabel('Your message').press('Enter');
  await staffLog.locator('.msg', { hasText: wobble }).waitFor();
  const bubble = patron.locator('#log .msg', { hasText: wobble });
  assert.equal(await bubble.locator('.msg-status').textContent(), 'Sending…');
  const firstSend = line.sent.find((f) => f.type === 'send' && f.text === wobble);
  assert.ok(firstSend && firstSend.cmid, 'the send frame carries a cmid');

  // The librarian answers while the patron cannot hear.
  const answer = 'Yes, a lease works. Bring it with a photo ID.';
  await staff.getByLabel('Reply to the patron').fill(answer);
  await staff.getByLabel('Reply to the patron').press('Enter');
  await staffLog.locator('.msg.msg--mine', { hasText: answer }).locator('.msg-status', { hasText: 'Sent' }).waitFor();
  await patron.waitForTimeout(300);
  assert.equal(await patron.locator('#log .msg', { hasText: answer }).count(), 0);

  // The line drops; the page says so, comes back, resumes and resends.
  line.deaf = false;
  line.current.close({ code: 4001, reason: 'tunnel' });
  await patron.locator('#conn-status', { hasText: 'Reconnecting…' }).waitFor();
  await until(() => line.connections === 2, 10000, 'a second connection');
  await bubble.locator('.msg-status', { hasText: 'Sent' }).waitFor();
  await patron.locator('#log .msg', { hasText: answer }).waitFor();
  await until(async () => (await patron.locator('#conn-status').textContent()) === '', 5000, 'status to clear');

  const resend = line.sent.filter((f) => f.type === 'send' && f.text === wobble);
  assert.equal(resend.length, 2, 'sent once, then once more after the reconnect');
  assert.equal(resend[1].cmid, resend[0].cmid, 'the resend reuses the cmid');
  const resume = line.sent.filter((f) => f.type === 'resume');
  assert.ok(resume.length >= 2, 'resumed after the reconnect');
  assert.ok(resume[resume.length - 1].after > 0, 'a live page resumes after the last seq it saw, not from 0');

  await staff.waitForTimeout(500);
  assert.equal(await staffLog.locator('.msg', { hasText: wobble }).count(), 1, 'stored once');
  assert.equal(await patron.locator('#log .msg', { hasText: wobble }).count(), 1);
  assert.equal(await patron.locator('#log .msg', { hasText: answer }).count(), 1);
  const order = await patron.locator('#log .msg .msg-text').allTextContents();
  assert.deepEqual(order, [question, wobble, answer]);

  assert.deepEqual(problems.filter((p) => /pageerror|Content Security Policy/.test(p)), []);
  await patronCtx.close();
  await staffCtx.close();
});

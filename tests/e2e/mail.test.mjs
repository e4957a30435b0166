// E-mail from the patron page, end to end: a real SMTP server (tests/api/smtp_sink.py,
// aiosmtpd) on loopback, rapport with --smtp-url pointing at it and --public-url set to
// its own address, and Chromium on a phone.
//
// A patron chooses to be remembered (with an e-mail), chats with Jen; while the chat is
// on and after it ended they can "E-mail me this conversation": a bad address is refused
// in words, the good one is confirmed and the mail arrives with the chat's text. Then,
// from the "What we remember" sheet, "Send me a sign-in link": the link from that mail,
// opened in a fresh browser context, shows the patron remembered, by name, with their
// chat; the same link opened again is refused and the page starts afresh.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO, screenshot, until, openConsole, openPatron, startWithBrowser, stopWithBrowser, openPage, startMailSink, askQuestion,
} from './server.mjs';

const FROM = 'desk@library.example.org';
const ME = 'm@example.org';
const Q = 'Could you help me find census records for Riverside from 1901?';
const REPLY = 'Yes: the 1901 census is free on our genealogy database. Here is how to search it.';

let stack;
let browser;
let sink;

/** The text/plain part of a raw (multipart, base64) message, decoded. */
function plainText(raw) {
  const b = /boundary="([^"]+)"/.exec(raw);
  const chunks = b ? raw.split(`--${b[1]}`) : [raw];
  for (const c of chunks) {
    const cut = c.indexOf('\r\n\r\n');
    if (cut < 0) continue;
    const head = c.slice(0, cut).toLowerCase();
    if (b && !head.includes('text/plain')) continue;
    const body = c.slice(cut + 4);
    return head.includes('base64') ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : body;
  }
  return '';
}

before(async () => {
  sink = await startMailSink();
  ({ stack, browser } = await startWithBrowser({
    extraArgs: ({ base }) => [
      '--smtp-url', `smtp://127.0.0.1:${sink.port}`,
      '--mail-from', FROM,
      '--public-url', base,
    ],
  }));
});

after(async () => {
  await stopWithBrowser({ stack, browser });
  await sink?.stop();
});

test('a patron e-mails the transcript to themselves and continues on another device', async () => {
  const problems = [];

  const { ctx: jenCtx, page: jen } = await openConsole(browser, stack.base, DEMO.jen, problems);

  // The patron chooses to be remembered, with an e-mail, and asks a question.
  const { ctx: patronCtx, page: patron } = await openPatron(browser, stack.base, problems);
  await patron.getByRole('heading', { name: 'How can we help?' }).waitFor();
  await patron.getByRole('button', { name: 'Remember me…' }).click();
  const rem = patron.getByRole('dialog', { name: 'Remember me' });
  await rem.getByLabel('What should we call you?').fill('Maya');
  await rem.getByLabel('E-mail').fill(ME);
  // Not remembered yet: no sign-in link to offer.
  assert.equal(await rem.locator('#signin-box').isHidden(), true);
  await rem.getByRole('button', { name: 'I agree, remember me' }).click();
  await rem.waitFor({ state: 'hidden' });
  await patron.locator('#memory-bar', { hasText: 'Remembered as Maya' }).waitFor();

  await askQuestion(patron, Q);
  await patron.locator('.msg.msg--mine', { hasText: Q }).locator('.msg-status', { hasText: 'Sent' }).waitFor();
  const item = jen.locator('#queue-list .q-item', { hasText: Q });
  await item.getByRole('button', { name: 'Pick up' }).click();
  await patron.getByRole('heading', { name: 'Chatting with Jen Ortiz' }).waitFor();
  await jen.getByLabel('Reply to the patron').fill(REPLY);
  await jen.getByLabel('Reply to the patron').press('Enter');
  await patron.locator('.msg', { hasText: 'genealogy database' }).waitFor();

  // While the chat is on, the control is there, folded away.
  const toggle = patron.getByRole('button', { name: 'E-mail me this conversation' });
  await toggle.waitFor();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await screenshot(patron, 'mail-active.png');

  await jen.locator('#end-btn').click();
  await patron.getByRole('heading', { name: 'Chat ended' }).waitFor();

  // After the chat: open it; the remembered address is filled in.
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const field = patron.getByLabel('Send it to');
  assert.equal(await field.inputValue(), ME);
  // A bad address is refused in words, announced, and marked invalid.
  await field.fill('maya at example');
  await patron.getByRole('button', { name: 'Send', exact: true }).click();
  const status = patron.locator('#mail-status');
  await status.getByText(/full e-mail address/).waitFor();
  assert.equal(await status.getAttribute('aria-live'), 'polite');
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  await screenshot(patron, 'mail-bad-address.png');

  await field.fill(ME);
  assert.equal(await field.getAttribute('aria-invalid'), null, 'typing clears the error');
  await patron.getByRole('button', { name: 'Send', exact: true }).click();
  await status.getByText(`Queued to send to ${ME}. It should arrive within a few minutes.`).waitFor();
  await screenshot(patron, 'mail-sent.png');

  const transcript = await until(() => sink.received().find((m) => m.rcpt_tos.includes(ME)), 15000, 'the transcript mail');
  assert.equal(transcript.mail_from, FROM);
  const text = plainText(transcript.data);
  assert.match(text, /census records for Riverside/);
  assert.match(text, /genealogy database/);
  assert.match(text, /Jen Ortiz/);

  // "Continue on another device" in the sheet.
  await patron.getByRole('button', { name: 'Edit what we remember' }).click();
  const sheet = patron.getByRole('dialog', { name: 'What we remember about you' });
  await sheet.getByRole('heading', { name: 'Continue on another device' }).waitFor();
  await sheet.getByText(`one-time link at ${ME}`, { exact: false }).waitFor();
  await sheet.getByRole('button', { name: 'Send me a sign-in link' }).click();
  await sheet.locator('#signin-status', { hasText: `A link to ${ME} is queued to send; it works once, for 30 minutes.` }).waitFor();
  await screenshot(patron, 'mail-signin-sent.png');
  await sheet.getByRole('button', { name: 'Cancel' }).click();

  const signinMail = await until(
    () => sink.received().find((m) => m.rcpt_tos.includes(ME) && /signin=/.test(plainText(m.data))),
    15000,
    'the sign-in mail',
  );
  const link = /(http:\/\/127\.0\.0\.1:\d+\/chat\?library=demo&signin=[A-Za-z0-9_-]+)/.exec(plainText(signinMail.data));
  assert.ok(link, 'the mail carries the sign-in link');
  assert.ok(link[1].startsWith(stack.base + '/chat'), 'the link points at this rapport');

  // Another device: fresh storage, the link from the mail.
  const { ctx: otherCtx, page: other } = await openPage(browser, { problems, url: link[1] });
  await other.locator('#memory-bar', { hasText: 'Remembered as Maya' }).waitFor();
  await other.locator('.msg', { hasText: Q }).waitFor(); // their chat, shown first
  await other.locator('.msg', { hasText: 'genealogy database' }).waitFor();
  assert.ok(!other.url().includes('signin='), 'the token is taken out of the address');
  await screenshot(other, 'mail-other-device-chat.png');
  await other.getByRole('button', { name: 'Start a new chat' }).click();
  await other.getByRole('heading', { name: 'Welcome back, Maya' }).waitFor();
  await screenshot(other, 'mail-other-device.png');
  // It now has its own token: a reload keeps it remembered.
  await other.reload();
  await other.locator('#memory-bar', { hasText: 'Remembered as Maya' }).waitFor();

  // The link works once.
  const { ctx: thirdCtx, page: third } = await openPage(browser, { problems, url: link[1] });
  await third.getByRole('heading', { name: 'How can we help?' }).waitFor();
  await third.locator('#alert').waitFor();
  assert.equal(await third.locator('#memory-bar').isHidden(), true);
  assert.equal(await third.locator('.msg', { hasText: Q }).count(), 0, 'nothing of Maya shown');

  await Promise.all([jenCtx.close(), patronCtx.close(), otherCtx.close(), thirdCtx.close()]);
  // (the console's first "am I signed in?" check answers 401 before login; not ours)
  const bad = problems.filter((p) => /Content Security Policy|pageerror/i.test(p));
  assert.deepEqual(bad, []);
});

// The console's Administration page, driven as Sam (the demo admin): a new queue and its
// hours, set in the page, reach a patron's phone-sized chat page already open, with no
// restart; the library's greeting and colour reach the patron page; Jen (a librarian) has
// no Administration button. Screenshots in /tmp/rapport-shots (admin-*.png).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO, screenshot, openConsole, openPatron, openPage, phoneContext, startWithBrowser,
  stopWithBrowser, until,
} from './server.mjs';

/** REST as `who` (login over HTTP): rest(method, path, body) resolves the JSON answer. */
async function restAs(base, who) {
  const r = await fetch(`${base}/api/v1/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: who.email, password: who.password }),
  });
  const { csrf } = await r.json();
  const cookie = r.headers.get('set-cookie').split(';')[0];
  return async (method, path, body) => {
    const res = await fetch(`${base}/api/v1/${path}`, {
      method, headers: { Cookie: cookie, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status}`);
    return res.json();
  };
}

/** Today's date in the demo library's zone (Europe/London), YYYY-MM-DD. */
const londonToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());

const run = { stack: null, browser: null }; // rapport and chromium, for the one test
before(async () => Object.assign(run, await startWithBrowser()));
after(() => stopWithBrowser(run));

test('an admin runs queues and settings from the console; patrons see it at once', async () => {
  const problems = [];
  const { page: patron } = await openPatron(run.browser, run.stack.base, problems);
  await patron.getByLabel('Your question').waitFor();
  assert.equal(await patron.locator('#queue-field').isHidden(), true, 'one queue: no choice shown');

  const { page: sam } = await openConsole(run.browser, run.stack.base, DEMO.sam, problems);
  const adminBtn = sam.getByRole('button', { name: 'Administration' });
  await adminBtn.click();
  await sam.getByRole('heading', { name: 'Administration', level: 1 }).waitFor();
  await sam.getByRole('tab', { name: 'Queues' }).waitFor();
  await sam.locator('#admin-queues .admin-item').first().waitFor();
  await screenshot(sam, 'admin-queues.png');

  // a new queue, from the form
  await sam.locator('#aq-new-name').fill('Evening desk');
  assert.equal(await sam.locator('#aq-new-slug').inputValue(), 'evening-desk');
  await sam.getByRole('button', { name: 'Add queue' }).click();
  await sam.getByRole('heading', { name: 'Edit "Evening desk"' }).waitFor();

  // the open patron page offers it now: no reload, no restart
  await patron.locator('#queue-field').waitFor({ state: 'visible' });
  await until(async () => (await patron.locator('#queue-select option').allTextContents()).includes('Evening desk'), 5000, 'the new queue on the patron page');

  // every day all day, but closed today: the patron sees the desk closed for that queue
  await sam.getByLabel('Open on these days and times').check();
  for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']) {
    await sam.getByLabel(day, { exact: true }).check();
    await sam.getByLabel(`${day} opens`).fill('00:00');
    await sam.getByLabel(`${day} closes`).fill('00:00');
  }
  await sam.locator('#aq-date').fill(londonToday());
  await sam.getByRole('button', { name: 'Add date' }).click();
  await sam.getByRole('button', { name: `Remove ${londonToday()}` }).waitFor();
  await sam.locator('#aq-zone').fill('Europe/London');
  await sam.getByRole('button', { name: 'Save queue' }).click();
  await sam.locator('#aq-edit-status', { hasText: 'Saved' }).waitFor();
  await sam.locator('#admin-queues .admin-item', { hasText: 'Evening desk' })
    .locator('.tag', { hasText: 'Closed by its hours now' }).waitFor();
  await screenshot(sam, 'admin-queue-hours.png');

  await patron.locator('#queue-select').selectOption({ label: 'Evening desk' });
  await patron.locator('#staff-on', { hasText: /The desk is closed\. It opens/ }).waitFor();
  await screenshot(patron, 'admin-patron-closed.png');
  // the first queue is as it was
  await patron.locator('#queue-select').selectOption({ label: DEMO.queue });
  await until(async () => !/The desk is closed/.test(await patron.locator('#staff-on').textContent()), 5000, 'the demo queue not closed');

  // reopened from the page: the closed date removed
  await sam.getByRole('button', { name: `Remove ${londonToday()}` }).click();
  await sam.getByRole('button', { name: 'Save queue' }).click();
  await sam.locator('#admin-queues .admin-item', { hasText: 'Evening desk' })
    .locator('.tag', { hasText: 'Open by its hours now' }).waitFor();
  await patron.locator('#queue-select').selectOption({ label: 'Evening desk' });
  await until(async () => !/The desk is closed/.test(await patron.locator('#staff-on').textContent()), 5000, 'reopened');

  // a queue with two openings a day (set through the API) keeps both when edited here
  const rest = await restAs(run.stack.base, DEMO.sam);
  const ask = (await rest('GET', 'admin/queues')).queues.find((q) => q.slug === 'ask');
  const split = [1, 2, 3, 4, 5].flatMap((d) => [{ weekday: d, opens_min: 540, closes_min: 720 },
    { weekday: d, opens_min: 780, closes_min: 1020 }]);
  await rest('POST', `admin/queues/${ask.id}`, { hours: split });
  await sam.getByRole('tab', { name: 'Staff' }).click();
  await sam.getByRole('tab', { name: 'Queues' }).click();
  await sam.getByRole('button', { name: `Edit ${DEMO.queue}` }).click();
  await sam.locator('.admin-day', { hasText: 'Monday' }).getByText('and 13:00–17:00 (kept)').waitFor();
  await sam.getByLabel('Monday closes').fill('12:30');
  await sam.getByRole('button', { name: 'Save queue' }).click();
  await sam.locator('#aq-edit-status', { hasText: 'Saved' }).waitFor();
  const kept = (await rest('GET', 'admin/queues')).queues.find((q) => q.slug === 'ask').hours;
  assert.deepEqual(kept.filter((h) => h.weekday === 1), [{ weekday: 1, opens_min: 540, closes_min: 750 },
    { weekday: 1, opens_min: 780, closes_min: 1020 }]);
  assert.equal(kept.length, 10);

  // library settings: a greeting and a colour for the patron page
  await sam.getByRole('tab', { name: 'Library settings' }).click();
  await sam.getByLabel('Greeting').fill('Welcome to the demo library desk. Ask us anything!');
  await sam.getByLabel('Own colour').check();
  await sam.locator('#al-colour').fill('#6a1b9a');
  await sam.getByLabel('Preferred name').check();
  await sam.getByRole('button', { name: 'Save settings' }).click();
  await sam.locator('#al-status', { hasText: 'Saved' }).waitFor();
  await screenshot(sam, 'admin-library.png');
  await patron.reload();
  await patron.locator('#start-lede', { hasText: 'Welcome to the demo library desk. Ask us anything!' }).waitFor();
  const bg = await patron.locator('.chat-header').evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.equal(bg, 'rgb(106, 27, 154)');
  await screenshot(patron, 'admin-patron-look.png');
  // the widget on the library's site: once its chat page has said hello, its button and
  // bar take the colour too
  const { page: site } = await openPage(run.browser, { context: phoneContext, problems, url: run.stack.hostBase + '/' });
  await site.getByRole('button', { name: 'Ask a librarian' }).click();
  await site.frameLocator('#rapport-widget iframe').locator('#start-lede', { hasText: 'Ask us anything!' }).waitFor();
  const bar = site.locator('#rapport-widget .bar');
  await until(async () => (await bar.evaluate((e) => getComputedStyle(e).backgroundColor)) === 'rgb(106, 27, 154)', 5000, 'the widget bar in the library colour');
  await screenshot(site, 'admin-widget-look.png');

  // staff: the list, by keyboard from the tabs
  await sam.getByRole('tab', { name: 'Library settings' }).focus();
  await sam.keyboard.press('ArrowLeft');
  assert.equal(await sam.getByRole('tab', { name: 'Staff' }).getAttribute('aria-selected'), 'true');
  await sam.locator('#admin-staff table', { hasText: DEMO.jen.name }).waitFor();
  await sam.getByLabel(`Role of ${DEMO.jen.name}`).selectOption('supervisor');
  await sam.getByLabel(`Most chats at once for ${DEMO.jen.name} (0: the default)`).fill('2');
  await sam.getByRole('button', { name: `Save the role and cap of ${DEMO.jen.name}` }).click();
  await sam.locator('#as-status', { hasText: `Saved: ${DEMO.jen.name} is now supervisor, at most 2 chats at once.` }).waitFor();
  await screenshot(sam, 'admin-staff.png');
  await sam.getByRole('button', { name: 'Back to the desk' }).click();
  await sam.locator('#desk-view').waitFor({ state: 'visible' });

  // a supervisor (Jen, now) has no way in
  const { page: jen } = await openConsole(run.browser, run.stack.base, DEMO.jen, problems);
  assert.equal(await jen.getByRole('button', { name: 'Administration' }).count(), 0);
  // her own password, from My profile: the server ends her other sessions, this one goes on
  await jen.getByRole('button', { name: 'My profile' }).click();
  await jen.getByText('Change my password').click();
  await jen.getByLabel('Current password').fill(DEMO.jen.password);
  await jen.getByLabel('New password').fill('jen-has-a-new-password');
  await jen.getByRole('button', { name: 'Change password' }).click();
  await jen.locator('#pw-status', { hasText: 'Password changed' }).waitFor();
  await screenshot(jen, 'admin-password.png');
  // (the console's first "who am I" before signing in answers 401: not a problem)
  assert.deepEqual(problems.filter((p) => /Content Security Policy|pageerror|Refused/i.test(p)), []);
});

// set-password.js: the page an invitation (or a reset) e-mail links to
// (/set-password?t=<token>). It names the account from GET /api/v1/set-password?t= (a
// read that uses nothing up), and POSTs the new password with the token; the link then
// no longer works. docs/API.md ("Passwords").
const token = new URLSearchParams(location.search).get('t') || '';
const $ = (id) => document.getElementById(id);
const status = $('status');
const form = $('pw-form');

function say(text) { status.textContent = text; }

async function about() {
  const r = await fetch(`/api/v1/set-password?t=${encodeURIComponent(token)}`, { cache: 'no-store' }).catch(() => null);
  if (!r) { say('The server cannot be reached. Please try again later.'); return false; }
  if (!r.ok) { say('This link was already used or has expired. Ask your library\'s administrator for a new one.'); return false; }
  const a = (await r.json()).account || {};
  if (a.library) $('library-name').textContent = a.library;
  const who = document.createElement('bdi');
  who.textContent = a.email || '';
  $('about').replaceChildren('Choose a password for ', who, '. You will sign in with this e-mail address.');
  return true;
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const pw = $('pw').value;
  if (pw.length < 10) { say('Please use at least 10 characters.'); $('pw').focus(); return; }
  if (pw !== $('pw2').value) { say('The two passwords differ. Please type them again.'); $('pw2').focus(); return; }
  $('pw-save').disabled = true;
  say('Saving…');
  const r = await fetch('/api/v1/set-password', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token, password: pw }),
  }).catch(() => null);
  $('pw-save').disabled = false;
  if (r && r.ok) {
    form.hidden = true;
    say('');
    $('done').hidden = false;
    $('done').querySelector('a').focus();
    return;
  }
  const body = r ? await r.json().catch(() => null) : null;
  say((body && body.error && body.error.message) || 'Something went wrong; please try again.');
});

async function start() {
  if (!token) { say('This link is not complete. Open the whole link from your e-mail.'); return; }
  if (await about()) form.hidden = false;
}

start();

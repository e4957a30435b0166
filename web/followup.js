// followup.js: the page a follow-up e-mail links to (/followup.html?t=<token>&r=1..5, or
// &stop=1 for no more check-ins). The rating is recorded by this script, not by the GET,
// so a mail scanner that fetches links records nothing. The page names the library and
// who asked, from GET /api/v1/followup?t= (a read), with times in the library's zone.
// docs/API.md ("Follow-ups").
import { localWhen } from './js/localtime.js';

const params = new URLSearchParams(location.search);
const token = params.get('t') || '';
const status = document.getElementById('status');
const form = document.getElementById('rate');

function say(text) { status.textContent = text; }

async function post(path, body) {
  const r = await fetch(path, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  return r.status;
}

async function rate(rating, reply = '') {
  const s = await post('/api/v1/followup-response', { token, rating, reply });
  if (s === 200) say(reply ? 'Thank you! The librarian will see your note.' : `Thank you! You rated it ${rating} of 5. You can add a note below.`);
  else if (s === 404) say('This link has expired or is no longer valid.');
  else say('Something went wrong; please try again later.');
  return s;
}

// The library's name in the header and who asked, in words; user text by textContent,
// the librarian's name isolated in a <bdi> inside our sentence.
async function about() {
  const r = await fetch(`/api/v1/followup?t=${encodeURIComponent(token)}`, { cache: 'no-store' }).catch(() => null);
  if (!r || !r.ok) return;
  const f = (await r.json()).followup || {};
  if (f.library) {
    document.getElementById('library-name').textContent = f.library;
    document.title = `How did it go? · \u2068${f.library}\u2069`;
  }
  const p = document.getElementById('about');
  const who = document.createElement('bdi');
  who.textContent = f.staff_name || 'A librarian';
  const when = f.sent_at || f.due_at;
  p.replaceChildren(who, ` asked us to check in with you${when ? `, ${localWhen(when, f.time_zone)}` : ''}.`);
}

async function start() {
  if (!token) { say('This link is not complete.'); return; }
  await about();
  if (params.get('stop') === '1') {
    const s = await post('/api/v1/followup-stop', { token });
    say(s === 200 ? 'Done: you will get no more check-ins from us.' : 'This link has expired or is no longer valid.');
    return;
  }
  const r = Number(params.get('r'));
  form.hidden = false;
  if (r >= 1 && r <= 5) {
    const box = form.querySelector(`input[value="${r}"]`);
    if (box) box.checked = true;
    await rate(r);
  } else {
    say('Choose a rating.');
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const picked = form.querySelector('input[name="rating"]:checked');
    if (!picked) { say('Choose a rating first.'); return; }
    await rate(Number(picked.value), document.getElementById('reply').value.trim());
  });
}

start();

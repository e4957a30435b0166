// case.js: the patron's view of an offline question (/case?t=TOKEN): the library's name,
// the question, the library's replies and the patron's in order, and a form to reply on
// the web; a closed case says so and takes no reply. Times are in the library's time
// zone (js/localtime.js). docs/API.md ("Cases"). The token stays in this page; user text
// is shown with textContent.
import { localWhen, localTimeEl } from './js/localtime.js';

const token = new URLSearchParams(location.search).get('t') || '';
const $ = (id) => document.getElementById(id);

function message(who, at, tz, body, mine) {
  const li = document.createElement('li');
  li.className = mine ? 'thread-msg thread-msg--mine' : 'thread-msg';
  const meta = document.createElement('p');
  meta.className = 'thread-meta';
  meta.append(`${who} · `, localTimeEl(at, tz));
  const text = document.createElement('p');
  text.className = 'thread-body';
  text.textContent = body;
  li.append(meta, text);
  return li;
}

function render(data) {
  const c = data.case;
  const tz = c.time_zone || 'UTC';
  const lib = c.library || 'The library';
  $('library-name').textContent = lib;
  document.title = `Your question · \u2068${lib}\u2069`;
  const state = $('case-state');
  state.classList.toggle('is-closed', c.state === 'closed');
  if (c.state === 'closed') {
    state.textContent = `The library closed this question on ${localWhen(c.closed_at || c.updated_at, tz)}. To ask something else, start a new chat.`;
  } else if (c.state === 'answered') {
    state.textContent = 'The library has answered. You can reply below.';
  } else {
    state.textContent = `The library will answer by ${localWhen(c.reply_by, tz)}.`;
  }
  $('thread').replaceChildren(message('You asked', c.created_at, tz, c.question, true),
    ...data.messages.map((m) => (m.author === 'staff'
      ? message('The library', m.at, tz, m.body, false)
      : message('You', m.at, tz, m.body, true))));
  $('thread-box').hidden = false;
  $('reply-form').hidden = c.state === 'closed';
  $('status').textContent = '';
}

async function load() {
  const r = await fetch(`/api/v1/case?t=${encodeURIComponent(token)}`, { cache: 'no-store' });
  if (!r.ok) {
    $('status').textContent = 'This link is not known. Check the link in your e-mail.';
    return false;
  }
  render(await r.json());
  return true;
}

$('reply-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = $('reply-text').value.trim();
  if (!text) return;
  $('status').textContent = 'Sending…';
  const r = await fetch('/api/v1/case-reply', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token, text }),
  });
  if (r.status === 409) {
    await load();
    $('status').textContent = 'The library has closed this question, so your reply was not sent.';
    return;
  }
  if (!r.ok) {
    $('status').textContent = 'Your reply could not be sent; try again.';
    return;
  }
  $('reply-text').value = '';
  await load();
  $('status').textContent = 'Sent. The library will see your reply.';
});

load();

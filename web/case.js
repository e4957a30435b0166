// case.js: the patron's view of an offline question (/case?t=TOKEN): the question, the
// library's replies and the patron's, and a form to reply on the web. docs/API.md
// ("Cases"). The token stays in this page; user text is shown with textContent.
const token = new URLSearchParams(location.search).get('t') || '';
const $ = (id) => document.getElementById(id);

function when(ms) {
  return new Date(ms).toLocaleString(undefined, { weekday: 'long', day: 'numeric', month: 'long', hour: 'numeric', minute: '2-digit' });
}

function render(data) {
  const c = data.case;
  $('library-name').textContent = c.library || '';
  $('question').textContent = c.question;
  $('reply-by').textContent = c.state === 'open'
    ? `The library will answer by ${when(c.reply_by)}.`
    : 'The library has answered.';
  const list = $('thread');
  list.replaceChildren();
  for (const m of data.messages) {
    const li = document.createElement('li');
    const who = document.createElement('p');
    who.className = 'case-author';
    who.textContent = `${m.author === 'staff' ? 'The library' : 'You'}, ${when(m.at)}`;
    const body = document.createElement('p');
    body.className = 'case-body';
    body.textContent = m.body;
    li.append(who, body);
    list.append(li);
  }
  $('thread-box').hidden = false;
  $('reply-form').hidden = false;
  $('status').textContent = '';
}

async function load() {
  const r = await fetch(`/api/v1/case?t=${encodeURIComponent(token)}`, { cache: 'no-store' });
  if (!r.ok) {
    $('status').textContent = 'This link is not known. Check the link in your e-mail.';
    return;
  }
  render(await r.json());
}

$('reply-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = $('reply-text').value.trim();
  if (!text) return;
  $('status').textContent = 'Sending…';
  const r = await fetch('/api/v1/case-reply', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token, text }),
  });
  if (!r.ok) {
    $('status').textContent = 'Your reply could not be sent; try again.';
    return;
  }
  $('reply-text').value = '';
  await load();
  $('status').textContent = 'Sent. The library will see your reply.';
});

load();

// Small helpers of the Administration page's modules (js/admin*.js): elements built with
// textContent (user text is never parsed as HTML), labelled fields, status lines.

/** Whether the signed-in librarian (the me answer's staff) runs their library: a library
 * or consortium admin (the server decides; this only shows or hides what they may use). */
export function isAdmin(me) {
  return !!me && (me.role === 'admin' || me.role === 'consortium_admin');
}

/** A sentence for a failed admin call. */
export function adminError(res, fallback = 'That did not work. Please try again.') {
  if (!res || res.status === 0) return 'The server cannot be reached. Check your connection and try again.';
  if (res.status === 401) return 'Your session has ended. Please sign in again.';
  const m = res.body && res.body.error && res.body.error.message;
  return m || fallback;
}

/** An element: tag, class, text (by textContent, never as HTML). */
export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

/** A labelled field: <div class="field"><label for=id>label</label>input [hint]</div>. */
export function field(label, input, hint) {
  const f = el('div', 'field');
  const l = el('label', null, label);
  l.htmlFor = input.id;
  f.append(l, input);
  if (hint) {
    const h = el('p', 'hint', hint);
    h.id = `${input.id}-hint`;
    input.setAttribute('aria-describedby', h.id);
    f.append(h);
  }
  return f;
}

/** An <input> with an id and attributes. */
export function input(id, attrs = {}) {
  const i = document.createElement(attrs.tag || 'input');
  i.id = id;
  for (const [k, v] of Object.entries(attrs)) if (k !== 'tag') i.setAttribute(k, v);
  return i;
}

/** A status line that screen readers announce. */
export function statusLine(id) {
  const p = el('p', 'admin-status');
  p.id = id;
  p.setAttribute('role', 'status');
  p.setAttribute('aria-live', 'polite');
  return p;
}

/** Shows `text` in a status line; an error look when bad. */
export function say(line, text, bad = false) {
  line.textContent = text;
  line.classList.toggle('is-error', bad);
}

/** A form in a card, named by its heading: {form, heading} (heading is appended). */
export function cardForm(cls, headingId, headingText) {
  const form = el('form', cls);
  form.noValidate = true;
  form.setAttribute('aria-labelledby', headingId);
  const heading = el('h3', null, headingText);
  heading.id = headingId;
  form.append(heading);
  return { form, heading };
}

// Safe links in message text, shared by the patron page, the widget's page and the console.
//
// Only http:, https: and mailto: addresses written out in full become links; nothing else
// in a message is interpreted (no HTML, no markdown, no bare "www."). The link's text is
// exactly what was typed; its href is the address as the URL parser reads it, and the
// parser's answer decides: a candidate whose parsed scheme is not one of the three, or an
// http(s) address without a host, stays plain text. Nodes are built with createElement and
// textContent only.

const SCHEMES = new Set(['http:', 'https:', 'mailto:']);

// A candidate starts at a scheme that is not glued to a preceding letter, digit or "+-."
// (so "xhttps://" or "javascript:https://" never make the scheme look like something
// else's tail), and runs to the first space, control or bidi control character, or one of
// < > " ` (which cannot be in an address as typed in prose). Group 1 is what precedes it
// (no lookbehind: older Safari cannot parse one, and a parse error would stop the page).
const CANDIDATE =
  /(^|[^\p{L}\p{N}+.\-])((?:https?:\/\/|mailto:)[^\s<>"`\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+)/giu;

const PAIRS = { ')': '(', ']': '[', '}': '{' };

/** Trims what prose puts after an address: ".", ",", "!" and the like, and a closing
 * bracket that has no opening one inside the address ("(see https://x.org/a)."). */
function trimEnd(s) {
  let end = s.length;
  for (;;) {
    const ch = s[end - 1];
    if (end > 0 && /[.,;:!?'*_~]/.test(ch)) {
      end--;
      continue;
    }
    if (end > 0 && PAIRS[ch]) {
      const open = PAIRS[ch];
      const part = s.slice(0, end);
      const opens = part.split(open).length - 1;
      const closes = part.split(ch).length - 1;
      if (closes > opens) {
        end--;
        continue;
      }
    }
    return s.slice(0, end);
  }
}

/** The href for an address as typed, or '' when it must stay text. */
export function safeHref(typed) {
  let u;
  try {
    u = new URL(typed);
  } catch (e) {
    return '';
  }
  if (!SCHEMES.has(u.protocol)) return '';
  if (u.protocol === 'mailto:') return /^[^@/\s]+@[^@/\s]+\.[^@/\s]+$/.test(u.pathname) ? u.href : '';
  return u.hostname ? u.href : '';
}

/**
 * The links in `text`: [{start, end, href}] in order, `text.slice(start, end)` being the
 * link's text exactly as typed.
 */
export function findLinks(text) {
  const out = [];
  const s = String(text || '');
  for (const m of s.matchAll(CANDIDATE)) {
    const typed = trimEnd(m[2]);
    const start = m.index + m[1].length;
    const at = /^mailto:/i.test(typed) ? 7 : typed.indexOf('//') + 2;
    if (typed.length <= at) continue;
    const href = safeHref(typed);
    if (href) out.push({ start, end: start + typed.length, href });
  }
  return out;
}

/** A fragment of `text` as text nodes and <a> elements for its safe links. */
export function linkify(text) {
  const s = String(text || '');
  const frag = document.createDocumentFragment();
  let at = 0;
  for (const l of findLinks(s)) {
    if (l.start > at) frag.append(document.createTextNode(s.slice(at, l.start)));
    const a = document.createElement('a');
    a.href = l.href;
    a.rel = 'noopener noreferrer nofollow';
    a.target = '_blank';
    a.className = 'msg-link';
    a.textContent = s.slice(l.start, l.end);
    frag.append(a);
    at = l.end;
  }
  if (at < s.length) frag.append(document.createTextNode(s.slice(at)));
  return frag;
}

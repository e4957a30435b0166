// Who the patron page is, across reloads: the library it was opened for (`library=<slug>`),
// whether it sits in the widget's iframe (`embed=1`), the patron token kept in
// localStorage under `rapport.patron.<slug or "default">`, and a one-time sign-in link
// (`signin=...`, "Continue on another device") for the first hello (docs/PROTOCOL.md).

function storage(op, key, value) {
  try {
    if (op === 'get') return localStorage.getItem(key) || '';
    if (op === 'set') localStorage.setItem(key, value);
    if (op === 'del') localStorage.removeItem(key);
  } catch (e) {
    /* storage blocked (private mode, third-party iframe): we work without it */
  }
  return '';
}

export class PatronSession {
  constructor() {
    const params = new URLSearchParams(location.search);
    this.slug = (params.get('library') || '').trim();
    this.embed = params.get('embed') === '1';
    this.storeKey = 'rapport.patron.' + (this.slug || 'default');
    // The sign-in link is used once by the first hello, and taken out of the address at
    // once so it is not kept in the history.
    this.signin = (params.get('signin') || '').trim();
    if (params.has('signin')) {
      params.delete('signin');
      const q = params.toString();
      history.replaceState(null, '', location.pathname + (q ? '?' + q : '') + location.hash);
    }
  }

  /** The `hello` frame: the sign-in link if there is one, else the kept token. */
  hello() {
    const f = { type: 'hello', role: 'patron' };
    const token = storage('get', this.storeKey);
    if (this.signin) f.signin = this.signin;
    else if (token) f.token = token;
    if (this.slug) f.library = this.slug;
    return f;
  }

  /** `welcome` came: keep its token; the sign-in link is used up. */
  welcomed(token) {
    if (token) storage('set', this.storeKey, token);
    this.signin = ''; // used: from now on this browser has its own token
  }

  /** The server does not know our token: the next hello goes without it. */
  forgetToken() {
    storage('del', this.storeKey);
  }

  /** The patron left ended chat `id` with "Start a new chat": a reload of this tab shows
   * the start page, not that chat again. Kept for the tab only (sessionStorage). */
  leftChat(id) {
    try {
      sessionStorage.setItem(this.storeKey + '.left', String(id || ''));
    } catch (e) {
      /* storage blocked: a reload shows the chat again, as before */
    }
  }

  /** The id of the ended chat this tab left, or 0. */
  leftChatId() {
    try {
      return Number(sessionStorage.getItem(this.storeKey + '.left')) || 0;
    } catch (e) {
      return 0;
    }
  }

  /** The sign-in link was refused: the next hello goes without it. */
  dropSignin() {
    this.signin = '';
  }
}

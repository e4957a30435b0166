// The staff REST client (docs/API.md): JSON in and out, the session cookie, and the
// X-CSRF-Token header on every POST.

/**
 * Makes `api(method, path, body, opts)` for paths under /api/v1/. `getCsrf` returns the
 * current CSRF token. `opts.raw` = {body, type} sends a raw body (a photo) instead of JSON.
 * Resolves to {status, body, headers}; status 0 when the server could not be reached.
 */
export function makeApi(getCsrf) {
  return async function api(method, path, body, opts = {}) {
    const headers = { Accept: 'application/json' };
    let payload;
    if (opts.raw) {
      headers['Content-Type'] = opts.raw.type;
      payload = opts.raw.body;
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const csrf = getCsrf();
    if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
    let res;
    try {
      res = await fetch('/api/v1/' + path, { method, headers, credentials: 'same-origin', body: payload });
    } catch (e) {
      return { status: 0, body: null, headers: null };
    }
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      /* empty or not JSON */
    }
    return { status: res.status, body: data, headers: res.headers };
  };
}

/** A sentence for a failed REST call. */
export function apiError(res, fallback = 'That did not work. Please try again.') {
  if (!res || res.status === 0) return 'The server cannot be reached. Check your connection and try again.';
  if (res.status === 401) return 'Your session has ended. Please sign in again.';
  if (res.status === 403 && res.body && res.body.error && res.body.error.code === 'forbidden') {
    return 'Only an administrator can do that.';
  }
  if (res.status === 413) return 'That is too large.';
  if (res.status === 415) return 'That kind of file is not accepted. Please use a PNG or JPEG image.';
  const m = res.body && res.body.error && res.body.error.message;
  return m || fallback;
}

// localtime.js: a moment as patrons and librarians read it, in the library's time zone
// (the `time_zone` the server sends: an IANA name, "UTC" when the library set none), in
// words: "Friday 4 December, 2:24 pm". The same words as the server's mails (C function
// mail_when in src/mail/message.c), so a mail and the page it links to agree.

const cache = new Map();

function parts(tz) {
  let f = cache.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-GB', {
        timeZone: tz || 'UTC', weekday: 'long', day: 'numeric', month: 'long',
        hour: 'numeric', minute: '2-digit', hourCycle: 'h23',
      });
    } catch {
      f = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long',
        hour: 'numeric', minute: '2-digit', hourCycle: 'h23',
      });
    }
    cache.set(tz, f);
  }
  return f;
}

/** "Friday 4 December, 2:24 pm" for ms (since the epoch) in the IANA zone tz. */
export function localWhen(ms, tz) {
  const p = {};
  for (const x of parts(tz).formatToParts(new Date(ms))) p[x.type] = x.value;
  const h24 = Number(p.hour) % 24;
  const h = h24 % 12 || 12;
  return `${p.weekday} ${Number(p.day)} ${p.month}, ${h}:${p.minute} ${h24 < 12 ? 'am' : 'pm'}`;
}

/** A <time> element showing localWhen(ms, tz), with the instant in `datetime`. */
export function localTimeEl(ms, tz) {
  const t = document.createElement('time');
  t.dateTime = new Date(ms).toISOString();
  t.textContent = localWhen(ms, tz);
  return t;
}

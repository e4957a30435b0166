// Honest waits: words for a queued chat's wait estimate (the `wait` of a chat frame, see
// docs/PROTOCOL.md). Rounded the way the server decides a change is worth telling
// (src/desk/wait.c, wait_bucket): under a minute, minutes to ten, then 5- and 15-minute
// steps. Never a number we do not have.

function minutes(ms) {
  const m = Math.round(ms / 60000);
  if (m <= 10) return m;
  if (m <= 60) return Math.round(m / 5) * 5;
  return Math.round(m / 15) * 15;
}

/** "under a minute", "about 3 minutes", "about 1 hour 15 minutes"; null without an estimate. */
export function waitWords(wait) {
  if (!wait || wait.estimate_ms === null || wait.estimate_ms === undefined || wait.basis === 'none') return null;
  if (wait.estimate_ms < 60000) return 'under a minute';
  const m = minutes(wait.estimate_ms);
  if (m < 60) return `about ${m} minute${m === 1 ? '' : 's'}`;
  const h = Math.floor(m / 60);
  const r = m % 60;
  return `about ${h} hour${h === 1 ? '' : 's'}${r ? ` ${r} minutes` : ''}`;
}

/** Words for a likely wait in ms ("about 6 minutes"); null for null/undefined/negative. */
export function msWords(ms) {
  if (typeof ms !== 'number' || ms < 0) return null;
  return waitWords({ estimate_ms: ms, basis: 'recent' });
}

/** The apology when the wait grew past what we said. The server only says it grew with a
 * number that reads larger than the one shown before (src/desk/wait.c, wait_grew). */
export function grewWords(wait) {
  const w = waitWords(wait);
  return w ? `It's taking longer than we said: ${w} now. You can keep waiting, or leave the queue.`
    : "It's taking longer than we said. You can keep waiting, or leave the queue.";
}

/** "N librarians on now", or, when every one of them is at their cap, that they are all
 * helping others and how long a new question will likely wait (a queue of `queues`). */
export function staffOnWords(q) {
  const n = q.staff_on;
  if (!q.all_busy) return n === 1 ? '1 librarian on now' : `${n} librarians on now`;
  const who = n === 1 ? '1 librarian on, helping others right now' : `${n} librarians on, all helping others right now`;
  const w = msWords(q.wait_ms);
  return w ? `${who}. A new question will likely wait ${w}.` : `${who}.`;
}

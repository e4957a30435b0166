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

/** The apology when the wait grew past what we said. */
export function grewWords(wait) {
  const w = waitWords(wait);
  return w ? `It's taking longer than we said — ${w} now. You can keep waiting, or leave the queue.`
    : "It's taking longer than we said. You can keep waiting, or leave the queue.";
}

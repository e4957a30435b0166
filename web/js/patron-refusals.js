// The patron page's words for a refused remember, forget, favourite, prefer, choose or
// rate (docs/PROTOCOL.md): those frames carry no cmid, so an error names them in `ref`.

import { humanError } from './errors.js';

/**
 * Shows an error answering one of those frames where it belongs; false if it is not one.
 * @param {object} err the error frame
 * @param {object} o
 * @param {import('./protocol.js').RapportClient} o.client
 * @param {import('./patron-memory.js').Memory} o.memory
 * @param {import('./patron-after.js').AfterChat} o.after
 * @param {(text: string) => void} o.alert shows the page's alert
 */
export function relationRefused(err, { client, memory, after, alert }) {
  // An error with no ref while a relation frame awaits its answer is about that frame.
  const ref = err.ref || (memory.waiting && !client.pending().length ? memory.waiting : '');
  if (ref === 'remember' && err.code === 'stale_notice') {
    if (err.notice && typeof err.notice.version === 'string') {
      memory.setNotice(err.notice);
      memory.refused('remember', 'The library has just updated this notice. Please read it again, then agree if you are happy to.');
      memory.openRemember();
    } else {
      memory.refused('remember', 'The library has just updated this notice. Please read it again, then agree if you are happy to.');
      client.restart(); // the next welcome carries the new notice
    }
    return true;
  }
  if (['remember', 'forget', 'favourite', 'prefer'].includes(ref)) {
    let text = humanError(err);
    if (err.code === 'not_remembered') text = 'That needs you to be remembered first. Choose "Remember me" to keep favourites.';
    else if (err.code === 'not_found') text = "That librarian isn't part of this library's desk.";
    else if (err.code === 'bad_frame') text = 'We could not save that. Please check what you entered and try again.';
    return memory.refused(ref, text);
  }
  if (ref === 'rate') return after.refused(err);
  if (ref === 'choose') {
    alert(err.code === 'bad_state' ? 'A librarian is already on the way, so there is nothing to change.' : humanError(err));
    return true;
  }
  return false;
}

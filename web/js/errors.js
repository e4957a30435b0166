// Human words for the protocol's error codes (docs/PROTOCOL.md, "error").

const MESSAGES = {
  bad_json: 'Something went wrong on our side of the page. Please reload it.',
  bad_frame: 'Something went wrong on our side of the page. Please reload it.',
  hello_required: 'The connection got confused. Reconnecting…',
  already_hello: 'The connection got confused. Reconnecting…',
  unauthenticated: 'Your session has ended. Please sign in again.',
  unknown_token: 'We could not find your earlier chats, so we started afresh.',
  origin_not_allowed: 'This website is not set up to use this chat. Please ask the library.',
  not_found: 'That chat could not be found. It may have been closed.',
  forbidden: 'That chat belongs to a colleague, so you cannot do that here.',
  bad_state: 'That chat has already ended, so nothing more can be added to it.',
  taken: 'A colleague picked up that chat just before you. It is in good hands.',
  offered: 'That chat is being offered first to a librarian the patron knows. It opens to everyone if they do not pick it up soon.',
  stale_notice: 'The library has just updated its notice. Please read it again.',
  not_remembered: 'That needs you to be remembered first.',
  at_capacity: 'You are already helping as many patrons as you can hold at once. Finish or end one chat, then pick up the next.',
  too_long: 'That message is too long. Please split it into shorter ones.',
  empty: 'There is nothing to send yet: please type a message first.',
  rate_limited: 'Messages are arriving very fast; we will send yours in a moment.',
  store_failed: 'We could not save that just now; trying again.',
  busy: 'The chat service is busy. We will keep trying.',
  off_duty: 'That colleague is not on duty any more. Choose someone else, or a queue.',
  not_shared: "That library is not part of your library's consortium, so chats cannot be handed there.",
  nobody_else: 'Nobody else is on right now.',
};

// Words for a code that means something else in answer to a particular command (`ref`).
const FOR_COMMAND = {
  handoff: {
    bad_state: 'That chat is already being handed on, or is no longer active.',
    forbidden: 'Only the librarian chatting with the patron can hand the chat on.',
    empty: 'Please write a note for your colleague first.',
    too_long: 'The note is too long: at most 1000 characters.',
    not_found: 'That colleague or queue could not be found. They may have just left.',
    at_capacity: 'That colleague is already helping as many patrons as they can.',
  },
  handoff_accept: {
    taken: 'A colleague accepted that hand-off just before you. The patron is in good hands.',
    bad_state: 'That hand-off is over: it was taken back, timed out, or the chat ended.',
    not_found: 'That hand-off is over: the chat has ended.',
    forbidden: 'That hand-off was asked of someone else, or is your own.',
    off_duty: 'You are Away, so you cannot take a hand-off. Choose "Back on duty" first.',
  },
  handoff_decline: {
    bad_state: 'That hand-off is already over.',
    too_long: 'The reason is too long: at most 200 characters.',
    forbidden: 'Only the colleague asked by name can decline a hand-off.',
  },
  resume: {
    forbidden: 'Only supervisors can watch a colleague\'s chat. It is in good hands.',
    not_found: 'That chat could not be found. It may have just ended.',
  },
  handoff_cancel: {
    bad_state: 'That hand-off is already decided, so there is nothing to take back.',
  },
};

/** A sentence for a person, for an `error` frame (falls back to the server's message). */
export function humanError(frame) {
  const special = frame && FOR_COMMAND[frame.ref];
  if (special && special[frame.code]) return special[frame.code];
  if (frame && MESSAGES[frame.code]) return MESSAGES[frame.code];
  if (frame && typeof frame.message === 'string' && frame.message) return frame.message;
  return 'Something went wrong. Please try again.';
}

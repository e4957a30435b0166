// Librarian profiles as people see them: a photo (or initials), name, pronouns, subjects,
// a short bio. Shared by the patron page and the console. Text goes in via textContent.

import { el } from './ui.js';

/** "JO" for "Jen Ortiz"; "?" when there is no name. */
export function initials(name) {
  const parts = String(name || '').trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return '?';
  const first = parts[0][0] || '';
  const last = parts.length > 1 ? parts[parts.length - 1][0] : '';
  return (first + last).toUpperCase();
}

/** A photo URL we are willing to load: same-origin paths only (CSP allows 'self'). */
function safePhoto(url) {
  if (typeof url !== 'string' || !url) return '';
  if (url.startsWith('/') && !url.startsWith('//')) return url;
  try {
    const u = new URL(url, location.href);
    return u.origin === location.origin ? u.href : '';
  } catch (e) {
    return '';
  }
}

/**
 * A round avatar for a profile: the photo when there is one, else the initials. It is
 * decorative (the name is always written next to it), so it is hidden from screen readers.
 * size: 'sm' | 'md' | 'lg'.
 */
export function avatar(profile, size = 'md') {
  const p = profile || {};
  const photo = safePhoto(p.photo);
  const box = el('span', { class: `avatar avatar--${size}`, attrs: { 'aria-hidden': 'true' } });
  if (photo) {
    const img = el('img', { attrs: { src: photo, alt: '', loading: 'lazy', decoding: 'async' } });
    img.addEventListener('error', () => {
      img.remove();
      box.textContent = initials(p.name);
    });
    box.append(img);
  } else {
    box.textContent = initials(p.name);
  }
  return box;
}

/** "Jen Ortiz (she/her)" as nodes: the name, then quieter pronouns when given. */
export function nameLine(profile, cls = 'person-name') {
  const p = profile || {};
  return el('span', { class: cls }, [
    el('bdi', { text: p.name || 'A librarian' }),
    p.pronouns ? el('span', { class: 'pronouns' }, [' (', el('bdi', { text: p.pronouns }), ')']) : null,
  ]);
}

/** The first name, for buttons such as "Keep waiting for Jen". */
export function firstName(profile) {
  const n = String((profile && profile.name) || '').trim();
  return n ? n.split(/\s+/)[0] : 'them';
}

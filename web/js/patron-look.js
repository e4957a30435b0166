// The library's own look on the patron page (and so inside the widget): the colours its
// administrator chose (docs/API.md, "Administration"), delivered in the welcome's
// `library`. Only "#rrggbb" values are used, checked again here, and set as CSS custom
// properties through the CSSOM: nothing the server sends becomes CSS text or markup.

const HEX = /^#[0-9a-f]{6}$/;

/** hex mixed with `other` by t (0: hex, 1: other), as "#rrggbb". */
function mix(hex, other, t) {
  const a = parseInt(hex.slice(1), 16);
  const b = parseInt(other.slice(1), 16);
  let out = 0;
  for (const shift of [16, 8, 0]) {
    const x = (a >> shift) & 255;
    const y = (b >> shift) & 255;
    out |= Math.round(x + (y - x) * t) << shift;
  }
  return `#${out.toString(16).padStart(6, '0')}`;
}

/** Applies library.colour and library.text_colour (either may be "": the default look). */
export function applyLook(library) {
  const root = document.documentElement.style;
  const c = library && HEX.test(library.colour || '') ? library.colour : '';
  const t = library && HEX.test(library.text_colour || '') ? library.text_colour : '';
  if (c) {
    root.setProperty('--accent', c);
    root.setProperty('--accent-strong', mix(c, '#000000', 0.25));
    root.setProperty('--accent-soft', mix(c, '#ffffff', 0.88));
  } else {
    for (const p of ['--accent', '--accent-strong', '--accent-soft']) root.removeProperty(p);
  }
  if (t) root.setProperty('--on-accent', t);
  else root.removeProperty('--on-accent');
}

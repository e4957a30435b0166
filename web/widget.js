/*
 * rapport chat widget for a library's own website:
 *
 *   <script src="https://rapport.example/widget.js" data-library="demo" defer></script>
 *
 * It adds one element to the host page, <div id="rapport-widget">, and draws everything
 * (an "Ask a librarian" button at the bottom right and, once opened, a panel holding an
 * <iframe> of <rapport origin>/chat?embed=1&library=...) inside its shadow root, so the
 * host page's styles cannot reach in and ours cannot leak out. The only global is
 * window.rapportWidget = {open, close, toggle}.
 *
 * The rapport origin is taken from this script's own src. Styles use a constructed
 * stylesheet (no <style> element, no style attributes), so a strict host CSP that allows
 * this script does not also need to allow inline styles.
 *
 * Optional attributes: data-label (button text, default "Ask a librarian").
 */
(function () {
  'use strict';

  var script = document.currentScript;
  if (!script || window.rapportWidget) return;

  var origin;
  try {
    origin = new URL(script.src, location.href).origin;
  } catch (e) {
    return;
  }
  var library = script.getAttribute('data-library') || '';
  var label = script.getAttribute('data-label') || 'Ask a librarian';

  var CSS = [
    ':host { all: initial; }',
    '.rw, .rw * { box-sizing: border-box; }',
    '.rw { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif;',
    '  font-size: 16px; line-height: 1.4; color: #1e2226; }',
    '.launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;',
    '  display: inline-flex; align-items: center; gap: 8px; min-height: 48px;',
    '  padding: 10px 18px 10px 14px; border: 2px solid #fff; border-radius: 999px;',
    '  background: var(--rw-accent, #0b6660); color: var(--rw-on-accent, #fff);',
    '  font: inherit; font-weight: 600; cursor: pointer;',
    '  box-shadow: 0 2px 6px rgba(0,0,0,.2), 0 8px 24px rgba(0,0,0,.18); }',
    '.launcher:hover { background: var(--rw-accent, #084d48); filter: brightness(.85); }',
    '.launcher:focus-visible, .close:focus-visible { outline: 3px solid #1a56db; outline-offset: 3px; }',
    '.launcher svg { width: 22px; height: 22px; flex: none; }',
    '.panel { position: fixed; right: 20px; bottom: 84px; z-index: 2147483001;',
    '  width: 380px; height: min(640px, calc(100vh - 110px)); display: flex; flex-direction: column;',
    '  background: #fff; border-radius: 14px; overflow: hidden; border: 1px solid #ddd5c8;',
    '  box-shadow: 0 4px 12px rgba(0,0,0,.14), 0 16px 48px rgba(0,0,0,.2);',
    '  transition: opacity .15s ease, transform .15s ease; }',
    '.panel[hidden] { display: none; }',
    '.bar { display: flex; align-items: center; justify-content: space-between; gap: 8px;',
    '  padding: 8px 8px 8px 16px; background: var(--rw-accent, #0b6660);',
    '  color: var(--rw-on-accent, #fff); flex: none; }',
    '.title { margin: 0; font-size: 16px; font-weight: 700; }',
    '.close { min-width: 44px; min-height: 44px; border: 0; border-radius: 8px; background: transparent;',
    '  color: #fff; font: inherit; font-size: 15px; font-weight: 600; cursor: pointer; }',
    '.close:hover { background: rgba(255,255,255,.15); }',
    'iframe { flex: 1; width: 100%; border: 0; background: #faf7f2; }',
    '@media (max-width: 480px) {',
    '  .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; border: 0; }',
    '  .launcher { right: 12px; bottom: 12px; }',
    '  .rw.is-open .launcher { display: none; }',
    '}',
    '@media (prefers-reduced-motion: reduce) { .panel { transition: none; } }'
  ].join('\n');

  var host = document.createElement('div');
  host.id = 'rapport-widget';
  var root = host.attachShadow({ mode: 'open' });
  applyStyles(root, CSS);

  var wrap = document.createElement('div');
  wrap.className = 'rw';

  var panelId = 'rapport-panel';
  var launcher = document.createElement('button');
  launcher.type = 'button';
  launcher.className = 'launcher';
  launcher.setAttribute('aria-expanded', 'false');
  launcher.setAttribute('aria-controls', panelId);
  launcher.appendChild(bubbleIcon());
  var launcherText = document.createElement('span');
  launcherText.textContent = label;
  launcher.appendChild(launcherText);

  var panel = document.createElement('div');
  panel.id = panelId;
  panel.className = 'panel';
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', label);
  panel.hidden = true;

  var bar = document.createElement('div');
  bar.className = 'bar';
  var title = document.createElement('p');
  title.className = 'title';
  title.textContent = label;
  var closeBtn = document.createElement('button');
  closeBtn.type = 'button';
  closeBtn.className = 'close';
  closeBtn.textContent = 'Close';
  closeBtn.setAttribute('aria-label', 'Close the chat panel');
  bar.appendChild(title);
  bar.appendChild(closeBtn);
  panel.appendChild(bar);

  var frame = null; // created on first open, so closed widgets cost the host page nothing

  wrap.appendChild(panel);
  wrap.appendChild(launcher);
  root.appendChild(wrap);

  function chatURL() {
    var u = new URL('/chat', origin);
    u.searchParams.set('embed', '1');
    if (library) u.searchParams.set('library', library);
    return u.href;
  }

  function isOpen() {
    return !panel.hidden;
  }

  function open() {
    if (isOpen()) return;
    if (!frame) {
      frame = document.createElement('iframe');
      frame.title = 'Chat with a librarian';
      frame.src = chatURL();
      frame.setAttribute('referrerpolicy', 'strict-origin');
      panel.appendChild(frame);
    }
    panel.hidden = false;
    wrap.classList.add('is-open');
    launcher.setAttribute('aria-expanded', 'true');
    frame.focus();
  }

  function close() {
    if (!isOpen()) return;
    panel.hidden = true;
    wrap.classList.remove('is-open');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
  }

  function toggle() {
    if (isOpen()) close();
    else open();
  }

  launcher.addEventListener('click', toggle);
  closeBtn.addEventListener('click', close);
  root.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && isOpen()) {
      e.stopPropagation();
      close();
    }
  });
  // Escape pressed inside the iframe: the chat page tells us.
  window.addEventListener('message', function (e) {
    if (e.origin !== origin || !frame || e.source !== frame.contentWindow) return;
    if (e.data && e.data.type === 'rapport:close') close();
    // the library's colours (its admin chose them): "#rrggbb" only, as custom properties
    if (e.data && e.data.type === 'rapport:look') {
      var hex = /^#[0-9a-f]{6}$/;
      var props = [['--rw-accent', e.data.colour], ['--rw-on-accent', e.data.text_colour]];
      for (var i = 0; i < props.length; i++) {
        if (typeof props[i][1] === 'string' && hex.test(props[i][1])) wrap.style.setProperty(props[i][0], props[i][1]);
        else wrap.style.removeProperty(props[i][0]);
      }
    }
  });

  function bubbleIcon() {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    var path = document.createElementNS(ns, 'path');
    path.setAttribute('fill', 'currentColor');
    path.setAttribute(
      'd',
      'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z'
    );
    svg.appendChild(path);
    return svg;
  }

  function applyStyles(shadow, css) {
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      shadow.adoptedStyleSheets = [sheet];
    } catch (e) {
      // Older browsers: a <style> inside the shadow root (needs the host CSP to allow it).
      var style = document.createElement('style');
      style.textContent = css;
      shadow.appendChild(style);
    }
  }

  function mount() {
    document.body.appendChild(host);
  }

  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);

  window.rapportWidget = { open: open, close: close, toggle: toggle };
})();

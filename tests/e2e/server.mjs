// Helpers for the browser end-to-end tests: a real rapport process in demo mode on a
// loopback port, a second loopback origin that plays a library's own website, and
// Debian's chromium driven by playwright-core.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { startSink, received } from '../api/lib.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHOTS = '/tmp/rapport-shots';
export const DEMO = {
  jen: { email: 'jen@demo.library', password: 'rapport-demo', name: 'Jen Ortiz' },
  sam: { email: 'sam@demo.library', password: 'rapport-demo', name: 'Sam Lee' },
  library: 'demo',
  queue: 'Ask a Librarian',
};

/** A free TCP port on 127.0.0.1 (the kernel picks; we release it right away). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function healthy(base) {
  try {
    const res = await fetch(base + '/healthz');
    return res.status === 200;
  } catch (e) {
    return false;
  }
}

/**
 * Starts the host page server (the "library website" on a second origin) and rapport in
 * demo mode allowing that origin. Returns {base, hostBase, stop()}.
 * `extraArgs({base, port})` may return more rapport arguments (e.g. --public-url base);
 * `setup(dataDir)` runs before rapport starts (e.g. the CLI adds a library).
 */
export async function startStack({ extraArgs, setup } = {}) {
  const host = await startHostSite();
  // Demo mode also serves web/demo-site on port+1, so that one must be free as well.
  let port = await freePort();
  while (port + 1 === host.port || port === host.port || !(await portFree(port + 1))) port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rapport-e2e-'));
  const bin = process.env.RAPPORT_BIN || path.join(repo, 'build', 'rapport');
  try {
    if (setup) await setup(dataDir);
  } catch (e) {
    await host.close();
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
  const args = [
    'demo',
    '--data-dir', dataDir,
    '--listen', '127.0.0.1',
    '--port', String(port),
    '--allow-origin', host.base,
    ...(extraArgs ? extraArgs({ base: `http://127.0.0.1:${port}`, port }) : []),
  ];
  const child = spawn(bin, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk) => {
    log += chunk;
    if (log.length > 200000) log = log.slice(-100000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exitedP = new Promise((resolve) => child.on('exit', (code, sig) => resolve((exited = { code, sig }))));
  child.on('error', (e) => keep(String(e)));

  const base = `http://127.0.0.1:${port}`;
  host.setRapport(base);
  const deadline = Date.now() + 15000;
  while (!(await healthy(base))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      await host.close();
      throw new Error(`rapport did not become healthy (${bin} ${args.join(' ')}):\n${log.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  async function stop() {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitedP;
      clearTimeout(t);
    }
    await host.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  return { base, hostBase: host.base, demoSite: `http://127.0.0.1:${port + 1}`, stop, log: () => log };
}

/**
 * rapport (startStack(opts)) and Debian's chromium, for a test file's before(): resolves
 * {stack, browser}. If chromium does not start, rapport is stopped again.
 */
export async function startWithBrowser(opts) {
  const stack = await startStack(opts);
  try {
    return { stack, browser: await launchBrowser() };
  } catch (e) {
    await stack.stop();
    throw e;
  }
}

/**
 * For a test file: windows ({ctx}) passed to the returned keep(w) close after each test
 * (node:test's `afterEach`), passed or not, so the next test starts afresh.
 */
export function closingWindows(afterEach) {
  let windows = [];
  afterEach(async () => {
    for (const w of windows) await w.ctx.close();
    windows = [];
  });
  return (w) => (windows.push(w), w);
}

/** Undoes startWithBrowser() in after(): closes the browser, then stops rapport (either may be unset). */
export async function stopWithBrowser({ stack, browser }) {
  await browser?.close();
  await stack?.stop();
}

/**
 * An SMTP sink (startSink of api/lib.mjs) on a free loopback port, keeping what it accepts
 * in a temporary directory of its own; `opts` as for startSink. Resolves {port, received(),
 * stop()}: received() lists the messages, stop() ends the sink and removes the directory.
 */
export async function startMailSink(opts) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rapport-e2e-mail-'));
  const removeDir = () => rm(dir, { recursive: true, force: true });
  try {
    const sink = await startSink(await freePort(), path.join(dir, 'mails.jsonl'), opts);
    return {
      port: sink.port,
      received: () => received(sink.file),
      async stop() {
        await sink.stop();
        await removeDir();
      },
    };
  } catch (e) {
    await removeDir();
    throw e;
  }
}

/**
 * A tiny website on its own loopback port whose page embeds the widget from rapport,
 * exactly as a library's site would.
 */
async function startHostSite() {
  let rapport = '';
  const server = createServer((req, res) => {
    if (req.url === '/' || req.url.startsWith('/?')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Riverside Public Library (test host)</title>
<script src="${rapport}/widget.js" data-library="demo" defer></script>
</head>
<body>
<header><h1>Riverside Public Library</h1></header>
<main><p>Welcome to the library. Questions? Use the chat button.</p></main>
</body>
</html>`);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    setRapport: (b) => (rapport = b),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Launches Debian's chromium, headless. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

/** A phone-sized browser context (390 x 844, touch). */
export function phoneContext(browser) {
  return browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
}

/** A desktop browser context for the console. */
export function desktopContext(browser) {
  return browser.newContext({ viewport: { width: 1280, height: 800 } });
}

/** Collects console errors and CSP violations of a page, for assertions. */
export function watchPage(page, sink) {
  page.on('pageerror', (e) => sink.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') sink.push(`console: ${m.text()}`);
  });
}

/** Signs in to the console through its form and waits for the desk. */
export async function consoleLogin(page, base, who = DEMO.jen) {
  await page.goto(base + '/console');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#me-name', { hasText: who.name }).waitFor();
  await page.locator('#cap', { hasText: /of \d+ chats?/ }).waitFor();
}

/** axe-core's serious and critical violations on `page`, one line each (none: []). */
export async function serious(page) {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} -> ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export async function screenshot(page, name) {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name) });
}

/** Types `text` as the question on the patron chat page and presses "Ask a librarian". */
export async function askQuestion(patron, text) {
  await patron.getByLabel('Your question').fill(text);
  await patron.getByRole('button', { name: 'Ask a librarian' }).click();
}

/** Asks `text` from the patron chat page and waits until the question shows as Sent. */
export async function askSent(patron, text) {
  await askQuestion(patron, text);
  await patron.locator('.msg.msg--mine', { hasText: text }).locator('.msg-status', { hasText: 'Sent' }).waitFor();
}

/** Polls `check` (async, returns truthy when done) until it passes or `ms` run out. */
export async function until(check, ms = 10000, what = 'condition') {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A staff console signed in as `who`, in a desktop context of its own (10 s default
 * timeout), with script errors collected into `problems`. Returns {ctx, page}.
 */
export async function openConsole(browser, base, who = DEMO.jen, problems = []) {
  const { ctx, page } = await openPage(browser, { context: desktopContext, problems });
  await consoleLogin(page, base, who);
  return { ctx, page };
}

/**
 * The patron chat page (`path`, default /chat) on a phone-sized context of its own (10 s
 * default timeout), with script errors collected into `problems`. Returns {ctx, page}.
 */
export async function openPatron(browser, base, problems = [], path = '/chat') {
  return openPage(browser, { problems, url: base + path });
}

/**
 * A page in a browser context of its own, made by `context` (phoneContext by default),
 * with `timeout` as its default timeout (null: Playwright's own), script errors collected
 * into `problems` when given, and `url` opened when given. Returns {ctx, page}.
 */
export async function openPage(browser, { context = phoneContext, timeout = 10000, problems, url } = {}) {
  const ctx = await context(browser);
  if (timeout !== null) ctx.setDefaultTimeout(timeout);
  const page = await ctx.newPage();
  if (problems) watchPage(page, problems);
  if (url) await page.goto(url);
  return { ctx, page };
}

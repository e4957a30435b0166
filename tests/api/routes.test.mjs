// The REST route set has one truth in three places: the route table the server runs
// (src/api/routes.c), docs/API.md (prose) and docs/openapi.yaml (the machine-readable
// description). These tests lint the OpenAPI file with the pinned @redocly/cli and require
// all three to list exactly the same routes. Each source is one function returning sorted
// "METHOD /path/{id}" strings. No server is needed.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OPENAPI = join(ROOT, 'docs', 'openapi.yaml');
const API_MD = join(ROOT, 'docs', 'API.md');
const REDOCLY = join(ROOT, 'node_modules', '.bin', 'redocly');
const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace'];

// No telemetry, no update check: the run stays on this machine.
const redoclyEnv = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  NO_COLOR: '1' };

function redocly(args) {
  return spawnSync(REDOCLY, args, { cwd: ROOT, env: redoclyEnv, encoding: 'utf8', timeout: 120000 });
}

/** "{chat}", "{id}", "<id>"... all become "{id}". */
function normalise(method, path) {
  return `${method.toUpperCase()} ${path.replace(/\{[^}]*\}|<[^>]*>/g, '{id}')}`;
}

/** The routes of docs/openapi.yaml (bundled to JSON by redocly), sorted. */
function routesFromOpenapi() {
  const doc = bundledOpenapi();
  const out = [];
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const m of METHODS) if (item[m]) out.push(normalise(m, path));
  }
  return out.sort();
}

/** Every `GET /...` or `POST /...` code span of docs/API.md, without its query, sorted. */
function routesFromApiMd() {
  const text = readFileSync(API_MD, 'utf8');
  const set = new Set();
  for (const m of text.matchAll(/`(GET|POST|PUT|PATCH|DELETE) +(\/[^`\s?[]*)/g)) {
    set.add(normalise(m[1], m[2]));
  }
  return [...set].sort();
}

/** The rows of the route table in src/api/routes.c ({HTTP_GET, "/path", ...}), sorted. */
function routesFromTable() {
  const text = readFileSync(join(ROOT, 'src', 'api', 'routes.c'), 'utf8');
  const out = [];
  for (const m of text.matchAll(/\{HTTP_(GET|POST), "(\/[^"]*)"/g)) out.push(normalise(m[1], m[2]));
  return out.sort();
}

let bundled = null;
function bundledOpenapi() {
  if (bundled) return bundled;
  const dir = mkdtempSync(join(tmpdir(), 'rapport-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    const r = redocly(['bundle', OPENAPI, '--ext', 'json', '-o', file]);
    assert.equal(r.status, 0, `redocly bundle failed: ${r.stdout}${r.stderr}`);
    bundled = JSON.parse(readFileSync(file, 'utf8'));
    return bundled;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** "only in A: ...; only in B: ..." for a failure message. */
function difference(a, nameA, b, nameB) {
  const onlyA = a.filter((x) => !b.includes(x));
  const onlyB = b.filter((x) => !a.includes(x));
  return `only in ${nameA}: ${JSON.stringify(onlyA)}; only in ${nameB}: ${JSON.stringify(onlyB)}`;
}

describe('docs/openapi.yaml', () => {
  before(() => bundledOpenapi());

  it('passes the pinned redocly lint (redocly.yaml) with no errors and no warnings', () => {
    const r = redocly(['lint', OPENAPI, '--format', 'json']);
    assert.equal(r.status, 0, `redocly lint failed:\n${r.stdout}${r.stderr}`);
    const report = JSON.parse(r.stdout);
    const problems = report.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} `
      + `(${(p.location || []).map((l) => l.pointer).join(', ')})`);
    assert.deepEqual(problems, [], 'redocly lint problems');
    assert.equal(report.totals.errors + report.totals.warnings, 0);
  });

  it('lists exactly the routes of docs/API.md', () => {
    const fromMd = routesFromApiMd();
    const fromOpenapi = routesFromOpenapi();
    assert.ok(fromMd.length >= 40, `API.md yields only ${fromMd.length} routes: the extraction broke`);
    assert.deepEqual(fromOpenapi, fromMd, difference(fromOpenapi, 'openapi.yaml', fromMd, 'API.md'));
  });

  it('lists exactly the routes of the route table the server runs (src/api/routes.c)', () => {
    const fromTable = routesFromTable();
    const fromOpenapi = routesFromOpenapi();
    assert.ok(fromTable.length >= 40, `routes.c yields only ${fromTable.length} routes: the extraction broke`);
    assert.equal(new Set(fromTable).size, fromTable.length, 'no route twice in the table');
    assert.deepEqual(fromOpenapi, fromTable, difference(fromOpenapi, 'openapi.yaml', fromTable, 'routes.c'));
  });

  it('gives every /api/ operation a 4xx response and every staff POST the CSRF header', () => {
    const doc = bundledOpenapi();
    const problems = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const m of METHODS) {
        const op = item[m];
        if (!op || !path.startsWith('/api/')) continue;
        const route = normalise(m, path);
        if (!Object.keys(op.responses || {}).some((s) => /^4\d\d$|^4XX$/.test(s))) {
          problems.push(`${route}: no 4xx response`);
        }
        const sec = op.security || doc.security || [];
        for (const req of sec) {
          if (m === 'post' && 'staffSession' in req && !('csrfToken' in req)) {
            problems.push(`${route}: staff POST without csrfToken`);
          }
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('the comparison can fail: a route missing from one side is reported', () => {
    const fromMd = routesFromApiMd();
    const fewer = fromMd.slice(1);
    assert.throws(() => assert.deepEqual(fewer, fromMd, difference(fewer, 'a', fromMd, 'b')),
      (e) => e.message.includes(`only in b: ${JSON.stringify([fromMd[0]])}`));
  });
});

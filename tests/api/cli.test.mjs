// The command line: help texts, and no password on argv.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { runCli, tempDir, Server, login, stopAndCheck } from './lib.mjs';

describe('command line', () => {
  for (const args of [['--help'], ['serve', '--help']]) {
    it(`rapport ${args.join(' ')} exits 0 and documents the main options`, () => {
      const r = runCli(args);
      assert.equal(r.error, undefined, String(r.error));
      assert.equal(r.status, 0, r.out);
      for (const opt of ['--port', '--data-dir', '--durability']) {
        assert.ok(r.out.includes(opt), `${args.join(' ')} does not mention ${opt}:\n${r.out}`);
      }
    });
  }

  it('an unknown option is rejected with a non-zero exit', () => {
    const r = runCli(['serve', '--no-such-option']);
    assert.notEqual(r.status, 0, r.out);
    assert.equal(r.signal, null);
  });

  const dir = tempDir('rapport-cli');
  const srv = new Server({ dataDir: dir });
  after(async () => {
    await stopAndCheck(srv, assert);
    rmSync(dir, { recursive: true, force: true });
  });

  it('rapport staff add refuses a password on argv', async () => {
    const init = runCli(['init', '--data-dir', dir, '--library', 'cli', '--name', 'CLI Library',
      '--queue', 'ask:Ask CLI']);
    assert.equal(init.status, 0, init.out);
    const r = runCli(['staff', 'add', '--data-dir', dir, '--library', 'cli', '--email', 'p@cli.library',
      '--name', 'P', '--role', 'librarian', '--password', 'argv-secret-123']);
    assert.notEqual(r.status, 0, `--password accepted: ${r.out}`);
    assert.equal(r.signal, null, 'crashed instead of refusing');
    // the same command with the password on stdin works, and only that password logs in
    const ok = runCli(['staff', 'add', '--data-dir', dir, '--library', 'cli', '--email', 'q@cli.library',
      '--name', 'Q', '--role', 'librarian'], { input: 'stdin-secret-456\n' });
    assert.equal(ok.status, 0, ok.out);
    assert.ok(!ok.out.includes('stdin-secret-456'), 'password echoed');
    await srv.start();
    const bad = await login(srv.port, 'p@cli.library', 'argv-secret-123');
    assert.equal(bad.res.status, 401, 'the refused staff member exists');
    const good = await login(srv.port, 'q@cli.library', 'stdin-secret-456');
    assert.equal(good.res.status, 200, good.res.text);
    assert.equal(good.body.library.slug, 'cli');
  });
});

// Graceful shutdown: SIGTERM closes every WebSocket with 1001 and exits 0; nothing acked is lost.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, patron, staff, activeChat, request, withTimeout, stopAndCheck } from './lib.mjs';

describe('graceful shutdown', () => {
  const srv = new Server();
  after(async () => { await stopAndCheck(srv, assert); });

  it('SIGTERM → clients get 1001, the process exits 0', async () => {
    await srv.start();
    const jen = await staff(srv);
    const { p, chat } = await activeChat(srv, jen);
    const a = await p.say(chat, 'just before closing time');
    const idle = await patron(srv);
    const token = p.token;

    srv.proc.kill('SIGTERM');
    const codes = await Promise.all([p, jen, idle].map((c) => c.closed(5000)));
    for (const c of codes) assert.equal(c.code, 1001, JSON.stringify(c));
    const ex = await withTimeout(srv.exited, 5000, 'exit after SIGTERM');
    assert.equal(ex.code, 0, `exit ${JSON.stringify(ex)}: ${srv.log.slice(-2000)}`);
    assert.equal(ex.signal, null);

    // it comes back with everything that was acknowledged
    await srv.restart();
    const t = await request(srv.port, { path: `/api/v1/chats/${chat}`,
      headers: { Authorization: `Bearer ${token}` } });
    assert.equal(t.status, 200, t.text);
    assert.ok(t.json.messages.some((m) => m.seq === a.seq && m.cmid === a.cmid));
  });
});

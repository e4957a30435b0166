// Bounds on what the relationship card can hold (API.md "Relationship memory (staff)"):
// a library has at most 19 trait keys of its own, so every trait fits on the card, and
// trait values have clear length limits. And how promises name their patron (API.md
// "Promises"): the patron's name while remembered, "" once forgotten, with the chat's date.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Server, stopAndCheck, patron, staff, login, staffRest, remember, ask, activeChat, SAM, JEN,
} from './lib.mjs';

const restOf = async (srv, email) => {
  const l = await login(srv.port, email);
  assert.equal(l.res.status, 200, l.res.text);
  return staffRest(srv.port, l);
};

describe('trait caps', () => {
  const srv = new Server({ args: ['--rate', '1000', '--burst', '1000'] });
  let samR; let jenR; let st; let patronId;
  before(async () => {
    await srv.start();
    samR = await restOf(srv, SAM); // an administrator
    jenR = await restOf(srv, JEN);
    st = await staff(srv, JEN);
    const { p, chat } = await activeChat(srv, st);
    const r = await remember(p, { display_name: 'Cap Tester' });
    assert.equal(r.relation.remembered, true, JSON.stringify(r));
    const got = await jenR.get(`/api/v1/chats/${chat}`);
    patronId = got.json.chat.patron;
    assert.ok(patronId > 0, got.text);
  });
  after(async () => { await st.close(); await stopAndCheck(srv, assert); });

  it('a library has at most 19 keys of its own; the 20th is refused with a clear error', async () => {
    const keys = Array.from({ length: 19 }, (_, i) => `cap_key_${i}`);
    for (const key of keys) {
      const r = await samR.post('/api/v1/trait-keys', { key, label: `Label ${key}` });
      assert.equal(r.status, 200, `${key}: ${r.text}`);
    }
    const over = await samR.post('/api/v1/trait-keys', { key: 'cap_key_19', label: 'One too many' });
    assert.equal(over.status, 409, over.text);
    assert.equal(over.json.error.code, 'too_many');
    assert.match(over.json.error.message, /at most 19/);
    const list = await jenR.get('/api/v1/trait-keys');
    assert.equal(list.json.trait_keys.filter((k) => !k.preset).length, 19);
    assert.ok(!list.json.trait_keys.some((k) => k.key === 'cap_key_19'));

    // relabelling a key at the cap still works; removing one makes room
    const relabel = await samR.post('/api/v1/trait-keys', { key: 'cap_key_3', label: 'Renamed' });
    assert.equal(relabel.status, 200, relabel.text);
    const rm = await samR.post('/api/v1/trait-keys', { key: 'cap_key_0', label: '' });
    assert.equal(rm.status, 200, rm.text);
    const again = await samR.post('/api/v1/trait-keys', { key: 'cap_key_19', label: 'Now it fits' });
    assert.equal(again.status, 200, again.text);

    // every trait a patron can have shows on the card: 5 presets and 19 of the library's
    const all = ['preferred_name', 'pronouns', 'programme', 'language', 'style', ...keys.slice(1), 'cap_key_19'];
    assert.equal(all.length, 24);
    for (const key of all) {
      const r = await jenR.post(`/api/v1/patrons/${patronId}/traits`, { key, value: `v ${key}`.slice(0, 60) });
      assert.equal(r.status, 200, `${key}: ${r.text}`);
    }
    const card = await jenR.get(`/api/v1/patrons/${patronId}/card`);
    assert.equal(card.status, 200, card.text);
    assert.deepEqual(card.json.traits.map((t) => t.key).sort(), all.slice().sort());
  });

  it('trait values and labels over their limits are refused with a clear 400', async () => {
    const cases = [
      [{ key: 'programme', value: 'x'.repeat(201) }, /200 bytes/],
      [{ key: 'programme', value: 'two\nlines' }, /one line/],
      [{ key: 'preferred_name', value: 'n'.repeat(128) }, /127 bytes/],
      [{ key: 'pronouns', value: 'p'.repeat(64) }, /63 bytes/],
    ];
    for (const [body, msg] of cases) {
      const r = await jenR.post(`/api/v1/patrons/${patronId}/traits`, body);
      assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 60)}: ${r.text}`);
      assert.equal(r.json.error.code, 'bad_request');
      assert.match(r.json.error.message, msg);
    }
    // at the limit is fine
    const ok = await jenR.post(`/api/v1/patrons/${patronId}/traits`, { key: 'preferred_name', value: 'n'.repeat(127) });
    assert.equal(ok.status, 200, ok.text);
    const label = await samR.post('/api/v1/trait-keys', { key: 'cap_key_3', label: 'l'.repeat(128) });
    assert.equal(label.status, 400, label.text);
    const key = await samR.post('/api/v1/trait-keys', { key: 'k'.repeat(32), label: 'Long key' });
    assert.equal(key.status, 400, key.text);
  });
});

describe('promises name their patron only while remembered', () => {
  const srv = new Server({ args: ['--rate', '1000', '--burst', '1000'] });
  let jenR; let st;
  before(async () => {
    await srv.start();
    jenR = await restOf(srv, JEN);
    st = await staff(srv, JEN);
  });
  after(async () => { await st.close(); await stopAndCheck(srv, assert); });

  const promise = async (chat, what) => {
    const r = await jenR.post('/api/v1/promises', { chat, what, due_at: Date.now() + 3600e3 * 24, channel: 'email' });
    assert.equal(r.status, 201, r.text);
    return r.json.promise;
  };
  const mineFrame = (pred) => st.waitFor('promises', (f) => Array.isArray(f.mine) && pred(f.mine));

  it('a remembered patron by name, an anonymous one by the day of the chat; forgetting clears the name', async () => {
    const anon = await activeChat(srv, st);
    const chatA = (await jenR.get(`/api/v1/chats/${anon.chat}`)).json.chat;
    const pa = await promise(anon.chat, 'the anonymous guide');
    assert.equal(pa.patron_name, '');
    assert.equal(pa.chat_at, chatA.created_at);

    const known = await activeChat(srv, st);
    const r = await remember(known.p, { display_name: 'Maya Reader', preferred_name: 'Maya' });
    assert.equal(r.relation.remembered, true, JSON.stringify(r));
    const pk = await promise(known.chat, 'the APA guide');
    assert.equal(pk.patron_name, 'Maya');
    const f1 = await mineFrame((m) => m.some((x) => x.id === pk.id && x.patron_name === 'Maya'));
    assert.equal(f1.mine.find((x) => x.id === pa.id).patron_name, '');
    const list = await jenR.get('/api/v1/promises?mine=1');
    assert.equal(list.json.promises.find((x) => x.id === pk.id).patron_name, 'Maya');
    assert.equal(typeof list.json.promises.find((x) => x.id === pk.id).chat_at, 'number');

    // forgotten: consoles are told at once, and the stored lists agree
    const fg = await ask(known.p, { type: 'forget' }, (x) => x.type === 'relation');
    assert.equal(fg.relation.remembered, false);
    await mineFrame((m) => m.some((x) => x.id === pk.id && x.patron_name === ''));
    const list2 = await jenR.get('/api/v1/promises?mine=1');
    assert.equal(list2.json.promises.find((x) => x.id === pk.id).patron_name, '');
    await anon.p.close();
    await known.p.close();
  });

  it('the name survives a restart (read with the promises at start)', async () => {
    const k = await activeChat(srv, st);
    await remember(k.p, { display_name: 'Ravi Reader' });
    const p = await promise(k.chat, 'the map scans');
    assert.equal(p.patron_name, 'Ravi Reader');
    await k.p.close();
    await st.close();
    const stopped = await srv.stop();
    assert.equal(stopped.code, 0);
    await srv.restart();
    jenR = await restOf(srv, JEN);
    st = await staff(srv, JEN);
    const f = await mineFrame((m) => m.some((x) => x.id === p.id));
    assert.equal(f.mine.find((x) => x.id === p.id).patron_name, 'Ravi Reader');
  });
});

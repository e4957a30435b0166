// Patrons see honestly whether anyone is on: `staff_on` in welcome, then `queues` frames
// as librarians come and go.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { patron, staff, serverForSuite } from './lib.mjs';

describe('who is on', () => {
  const srv = serverForSuite();

  it('a waiting patron learns when a librarian comes on and goes off', async () => {
    const p = await patron(srv);
    assert.equal(p.welcome.queues[0].staff_on, 0);
    const jen = await staff(srv);
    const on = await p.waitFor('queues', (f) => f.queues[0].staff_on === 1);
    assert.equal(on.queues[0].slug, 'ask');
    await jen.close();
    await p.waitFor('queues', (f) => f.queues[0].staff_on === 0);
    // a new patron's welcome agrees
    const p2 = await patron(srv);
    assert.equal(p2.welcome.queues[0].staff_on, 0);
    await p.close();
    await p2.close();
  });
});

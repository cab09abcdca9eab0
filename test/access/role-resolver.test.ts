// The role resolver's answer without a store read (unchangedNow, the request path's synchronous
// stage, issue 17) is only ever a yes that unchanged() would give too: from the YAML's admins,
// or a stored role read under ROLE_CACHE_MS ago. Anything else is left to unchanged().
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRoleResolver, ROLE_CACHE_MS, roleKey } from '../../src/access/roles.js';
import type { RoleSettings } from '../../src/config/runtime.js';
import { createMemoryStore } from '../../src/store/memory.js';

const settings: RoleSettings = { admins: ['root'], roles: { bob: 'staff' }, default_role: 'user' };

function setup() {
  let time = 0;
  const now = () => time;
  const store = createMemoryStore({ now });
  return {
    store,
    roles: createRoleResolver(store, now),
    advance: (ms: number) => {
      time += ms;
    },
  };
}

test('unchangedNow says yes only from a fresh cache entry or the YAML, and never where unchanged() says no', async () => {
  const { store, roles, advance } = setup();
  assert.equal(roles.unchangedNow('root', 'admin', settings), true, "the YAML's admin needs no read");
  assert.equal(roles.unchangedNow('root', 'staff', settings), false);
  assert.equal(roles.unchangedNow('bob', 'staff', settings), false, 'nothing read yet: unchanged() must be asked');

  assert.equal(await roles.unchanged('bob', 'staff', settings), true);
  assert.equal(roles.unchangedNow('bob', 'staff', settings), true, 'read a moment ago');
  assert.equal(roles.unchangedNow('bob', 'user', settings), false);

  await store.set(roleKey('bob'), 'user');
  advance(ROLE_CACHE_MS);
  assert.equal(roles.unchangedNow('bob', 'staff', settings), false, 'the entry is stale');
  assert.equal(await roles.unchanged('bob', 'staff', settings), false, 'the store says demoted');
  assert.equal(roles.unchangedNow('bob', 'staff', settings), false, 'and the fresh entry says so too');
  assert.equal(roles.unchangedNow('bob', 'user', settings), true);
});

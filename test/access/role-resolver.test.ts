// The role resolver's answer without a store read (unchangedNow, the request path's synchronous
// stage, issue 17) is only ever a yes that changeSince() would give too: from a stored role and
// session epoch read under ROLE_CACHE_MS ago (the YAML's admins too: their role needs no read,
// their epoch does). Anything else is left to changeSince().
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRoleResolver, ROLE_CACHE_MS, roleKey, sessionEpochKey } from '../../src/access/roles.js';
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

const issued = (user: string, role: string, epoch?: string) => ({ user, role, epoch });

test('unchangedNow says yes only from a fresh cache entry, and never where changeSince() says a change', async () => {
  const { store, roles, advance } = setup();
  assert.equal(roles.unchangedNow(issued('root', 'admin'), settings), false, "the YAML's admin's epoch is read too");
  assert.equal(await roles.changeSince(issued('root', 'admin'), settings), undefined);
  assert.equal(roles.unchangedNow(issued('root', 'admin'), settings), true);
  assert.equal(roles.unchangedNow(issued('root', 'staff'), settings), false);
  assert.equal(
    roles.unchangedNow(issued('bob', 'staff'), settings),
    false,
    'nothing read yet: changeSince() must be asked',
  );

  assert.equal(await roles.changeSince(issued('bob', 'staff'), settings), undefined);
  assert.equal(roles.unchangedNow(issued('bob', 'staff'), settings), true, 'read a moment ago');
  assert.equal(roles.unchangedNow(issued('bob', 'user'), settings), false);

  await store.set(roleKey('bob'), 'user');
  advance(ROLE_CACHE_MS);
  assert.equal(roles.unchangedNow(issued('bob', 'staff'), settings), false, 'the entry is stale');
  assert.equal(await roles.changeSince(issued('bob', 'staff'), settings), 'role', 'the store says demoted');
  assert.equal(roles.unchangedNow(issued('bob', 'staff'), settings), false, 'and the fresh entry says so too');
  assert.equal(roles.unchangedNow(issued('bob', 'user'), settings), true);
});

test("a session stands only in its user's session epoch, and a cached older epoch is read again before it refuses", async () => {
  const { store, roles, advance } = setup();
  const before = issued('bob', 'staff');
  assert.equal(await roles.changeSince(before, settings), undefined, 'no epoch yet: a record without one stands');

  await store.set(sessionEpochKey('bob'), 'e1');
  assert.equal(roles.unchangedNow(before, settings), true, 'the end of sessions reaches this cache within its life');
  const after = issued('bob', 'staff', 'e1');
  assert.equal(roles.unchangedNow(after, settings), false, 'the cache predates the new epoch');
  assert.equal(await roles.changeSince(after, settings), undefined, 'a login just after the end stands (read again)');
  assert.equal(roles.unchangedNow(before, settings), false);
  assert.equal(await roles.changeSince(before, settings), 'sessions ended');

  advance(ROLE_CACHE_MS);
  await store.set(roleKey('bob'), 'user');
  assert.equal(await roles.changeSince(after, settings), 'role', 'a role change is told as one');
});

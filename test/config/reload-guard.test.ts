// The reload guard as a table: which edits weaken protection and wait for a restart, and
// that the rest of an edit applies (issue 13).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { guardReload } from '../../src/config/reload-guard.js';
import type { GatewayConfig } from '../../src/config/schema.js';

const LOGIN = {
  routes: [{ path: '/login', method: 'POST' }],
  page: '/login',
  username_field: 'username',
  failure: { statuses: [401] },
};

async function config(sections: Record<string, unknown>): Promise<GatewayConfig> {
  const text = JSON.stringify({
    upstream: { url: 'http://127.0.0.1:3001' },
    public_paths: ['/login'],
    login: LOGIN,
    store: { type: 'memory' },
    ...sections,
  });
  const result = await parseConfig(text);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

const paths = (held: Array<{ path: string }>) => held.map((entry) => entry.path);

test('an edit that weakens nothing applies whole', async () => {
  const inForce = await config({});
  const next = await config({
    upstream: { url: 'http://127.0.0.1:3002' },
    policy: { admin: { second_step: 'required' }, staff: { second_step: 'required', allowlist: 'staff' } },
  });
  const guarded = guardReload(inForce, next);
  assert.deepEqual(guarded.heldBack, []);
  assert.deepEqual(guarded.config, next);
});

const rows: Array<{ name: string; inForce: Record<string, unknown>; next: Record<string, unknown>; held: string[] }> = [
  { name: 'login removed', inForce: {}, next: { login: undefined }, held: ['login'] },
  { name: 'store switched', inForce: {}, next: { store: { type: 'file', path: 'x.json' } }, held: ['store.type'] },
  {
    name: 'a role no longer requires its second step',
    inForce: {},
    next: { policy: { admin: { second_step: 'optional' }, staff: { allowlist: 'staff' } } },
    held: ['policy.admin.second_step'],
  },
  {
    name: "a role's allowlist unbound",
    inForce: {},
    next: { policy: { admin: { second_step: 'required' }, staff: { second_step: 'optional' } } },
    held: ['policy.staff.allowlist'],
  },
  {
    name: 'a role removed from the policy',
    inForce: {},
    next: { policy: { admin: { second_step: 'required' } } },
    held: ['policy.staff.allowlist'],
  },
];

for (const row of rows) {
  test(`held back until a restart: ${row.name}`, async () => {
    const guarded = guardReload(await config(row.inForce), await config(row.next));
    assert.deepEqual(paths(guarded.heldBack), row.held);
  });
}

test('what is held back keeps its value in force while the rest of the edit applies', async () => {
  const inForce = await config({});
  const next = await config({ login: undefined, upstream: { url: 'http://127.0.0.1:3002' }, policy: {} });
  const { config: running } = guardReload(inForce, next);
  assert.deepEqual(running.login, inForce.login);
  assert.equal(running.upstream.url, 'http://127.0.0.1:3002');
  assert.equal(running.policy.admin?.second_step, 'required');
  assert.equal(running.policy.staff?.allowlist, 'staff');
});

test('a stronger edit, or a change of who is an admin, is not held back', async () => {
  // Demoting an admin in the file applies at once (role-change-ends-sessions.test.ts): it takes the admin pages away.
  const inForce = await config({ users: { admins: ['alice'] } });
  const next = await config({
    users: { admins: ['carol'], roles: { dan: 'staff' } },
    policy: {
      admin: { second_step: 'required', allowlist: 'office' },
      staff: { second_step: 'required', allowlist: 'staff' },
    },
  });
  assert.deepEqual(guardReload(inForce, next).heldBack, []);
});

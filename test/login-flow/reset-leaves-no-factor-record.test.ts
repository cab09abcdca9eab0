// Issue 15: an operator's reset (the admin console here; `gateway users reset-factor` in
// test/cli/reset-factor-removes-factors-and-sessions.test.ts, on Redis) removes every record of
// the user's factors: the TOTP secret and its replay guard, the recovery codes, each passkey's
// credential and counter with the list and the handle, the answers and the asked pair, and the
// trusted browsers. Checked by listing the store's keys, on the memory and the LMDB store; the
// admin's own records, which nobody reset, stay (so the listing does see factor records).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KeyspaceStore } from '../../src/store/keyspace-store.js';
import type { LmdbStore } from '../../src/store/lmdb.js';
import { holdQuestionRecords, holdTwoFactorRecords, keysNaming, PASSKEYS_ON } from '../helpers/factor-records.js';
import { ADMIN, type Browser, startLoginHarness } from '../helpers/login-harness.js';

const USER = '/_gateway/admin/user';

/** Runs a console action on `user` from the admin's session, confirmed. */
async function consoleAction(admin: Browser, user: string, action: string) {
  const csrf = await admin.gatewayCsrf(`${USER}?name=${user}`);
  const done = await admin.post(USER, { csrf_token: csrf, user, action, confirm: 'yes' });
  assert.equal(done.status, 200, done.text);
}

for (const store of ['memory', 'lmdb'] as const) {
  test(`${store} store: a reset leaves no record of the user's factors`, async (t) => {
    const harness = await startLoginHarness({ store, overrides: PASSKEYS_ON });
    t.after(() => harness.close());
    const { browser: admin } = await harness.enrollAdmin();
    const backend = harness.gateway.login?.store as KeyspaceStore | LmdbStore;
    const keys = () => [...backend.keys()].map(({ key }) => key);

    await holdTwoFactorRecords(harness, 'carol');
    await holdQuestionRecords(harness, 'dave');
    const carol = keysNaming(keys(), 'carol');
    for (const kind of ['totp:secret', 'recovery', 'passkey:ids', 'passkey:handle', 'trusted:ids']) {
      assert.ok(
        carol.some((key) => key.startsWith(`${kind}:`)),
        `${kind} before the reset: ${carol.join(' ')}`,
      );
    }
    assert.equal(carol.filter((key) => key.startsWith('passkey:credential:')).length, 2);
    assert.equal(carol.filter((key) => key.startsWith('passkey:counter:')).length, 1);
    assert.equal(carol.filter((key) => /^trusted:\{/.test(key)).length, 2);
    assert.ok(keysNaming(keys(), 'dave').some((key) => key.startsWith('questions:asked:')));

    await consoleAction(admin, 'carol', 'reset-factor');
    await consoleAction(admin, 'dave', 'reset-factor');

    // Only the trust and session epochs the resets changed stay: they end a trust or a session
    // issued meanwhile.
    for (const user of ['carol', 'dave']) {
      assert.deepEqual(keysNaming(keys(), user).sort(), [`sessions:epoch:{u:${user}}`, `trusted:epoch:{u:${user}}`]);
    }
    assert.ok(keysNaming(keys(), ADMIN.user).includes('totp:secret:{u:alice}'), "the admin's own TOTP stays");
    const reset = harness
      .logText()
      .split('\n')
      .filter((line) => line.includes('"event":"enrollment.factor_reset"'))
      .map((line) => JSON.parse(line) as { user: string; removed: string[] });
    assert.deepEqual(
      reset.map(({ user, removed }) => [user, removed]),
      [
        ['carol', ['TOTP', 'passkeys', '10 recovery codes']],
        ['dave', ['security questions']],
      ],
    );
  });
}

// The allowlists' admin page over HTTP, against a gateway that watches its gateway.yaml: only
// an admin's full session with a second step gets it (staff: 403, nobody: the login page);
// a post without the session's CSRF token changes nothing; a bad entry is refused with the
// model's message; a change that would shut out the editing admin (admins bound to a list) is
// refused before anything is saved; a saved change reaches the running gateway's enforcement
// once it has re-read the file; a read-only file makes the page say so. Parallel posts are all
// saved; a removal reaches every spelling of a user's list; a file that does not validate
// leaves the page showing the lists in force, with edits refused.

import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseDocument, parse as parseYaml } from 'yaml';
import {
  ADMIN,
  type Browser,
  formField,
  type LoginHarness,
  STAFF,
  startLoginHarness,
} from '../helpers/login-harness.js';
import { visible } from '../helpers/page-text.js';
import { waitFor } from '../helpers/wait.js';

const PAGE = '/_gateway/admin/allowlists';

let harness: LoginHarness;
let admin: Browser;
let file: string;

before(async () => {
  harness = await startLoginHarness({
    liveConfig: true,
    overrides: {
      policy: { admin: { second_step: 'required', allowlist: 'admins' }, staff: { allowlist: 'staff' } },
      allowlists: {
        lists: {
          admins: [{ cidr: '127.0.0.1', note: 'this machine' }],
          staff: [{ cidr: '127.0.0.1', note: 'this machine' }, '10.0.0.0/8'],
        },
      },
    },
  });
  file = join(harness.dataDir, 'gateway.yaml');
  ({ browser: admin } = await harness.enrollAdmin());
});
after(() => harness?.close());

/** The audit lines of one event so far. */
function audits(event: string): Array<Record<string, unknown>> {
  return harness
    .logText()
    .split('\n')
    .filter((line) => line.includes(`"event":"${event}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function post(browser: Browser, action: 'add' | 'remove', fields: Record<string, string>) {
  const csrf = await browser.gatewayCsrf(PAGE);
  return browser.post(`${PAGE}/${action}`, { csrf_token: csrf, kind: 'list', ...fields });
}

/** The entries the page shows in one list's section ("list:staff", "user:alice"): [cidr, note]. */
function entriesOf(html: string, list: string): Array<[string, string]> {
  const section = new RegExp(`<section data-list="${list}">(.*?)</section>`, 's').exec(html)?.[1] ?? '';
  return [...section.matchAll(/<li><code>([^<]*)<\/code><span class="note">([^<]*)<\/span>/g)].map((m) => [
    m[1] as string,
    m[2] as string,
  ]);
}

test('nobody is sent to the login page; staff get 403 and cannot post', async () => {
  const anonymous = harness.browser();
  const page = await anonymous.get(PAGE);
  assert.equal(page.status, 303);
  assert.equal(page.location, '/login');

  const staff = harness.browser();
  assert.equal((await staff.login(STAFF.user, STAFF.password)).location, '/dashboard');
  assert.equal((await staff.get(PAGE)).status, 403);
  const before = await readFile(file, 'utf8');
  const posted = await staff.post(`${PAGE}/add`, { csrf_token: 'x', kind: 'list', name: 'staff', cidr: '192.0.2.7' });
  assert.equal(posted.status, 403);
  assert.equal(await readFile(file, 'utf8'), before, 'nothing changed');
  assert.equal(audits('allowlist.edit_refused').at(-1)?.reason, 'not_admin');
});

test("the admin sees every list with its notes and the visitor's own address", async () => {
  const page = await admin.get(PAGE);
  assert.equal(page.status, 200);
  assert.equal(page.headers['cache-control'], 'no-store');
  const text = visible(page.text);
  assert.match(text, /Your address: 127\.0\.0\.1 \(in list admins\)/);
  assert.deepEqual(entriesOf(page.text, 'list:admins'), [['127.0.0.1', 'this machine']]);
  assert.deepEqual(entriesOf(page.text, 'list:staff'), [
    ['127.0.0.1', 'this machine'],
    ['10.0.0.0/8', ''],
  ]);
  assert.match(text, /For role admin\./);
  assert.ok(formField(page.text, 'csrf_token'), 'the forms carry a CSRF token');
});

test('a post without the CSRF token, or with another session’s, is refused and changes nothing', async () => {
  const before = await readFile(file, 'utf8');
  const missing = await admin.post(`${PAGE}/add`, { kind: 'list', name: 'staff', cidr: '192.0.2.7' });
  assert.equal(missing.status, 403);
  const other = harness.browser();
  assert.equal((await other.login(STAFF.user, STAFF.password)).location, '/dashboard');
  // A real token, bound to another session (bob's, from his account page).
  const foreign = await other.gatewayCsrf('/_gateway/account');
  const wrong = await admin.post(`${PAGE}/remove`, {
    csrf_token: foreign,
    kind: 'list',
    name: 'staff',
    cidr: '10.0.0.0/8',
  });
  assert.equal(wrong.status, 403);
  assert.equal(await readFile(file, 'utf8'), before);
});

test("a bad entry is refused on the page with the model's message; the file is untouched", async () => {
  const before = await readFile(file, 'utf8');
  const answer = await post(admin, 'add', { name: 'staff', cidr: '10.1.2.3/16', note: 'typo' });
  assert.equal(answer.status, 400);
  assert.match(
    visible(answer.text),
    /"10\.1\.2\.3\/16" has bits set after the \/16 prefix: write 10\.1\.0\.0\/16 for the range or 10\.1\.2\.3 for the one address/,
  );
  assert.match(answer.text, /value="10\.1\.2\.3\/16"/, 'what was typed is offered again');
  assert.equal(await readFile(file, 'utf8'), before);
  const refused = audits('allowlist.edit_refused').at(-1);
  assert.equal(refused?.reason, 'invalid_entry');
  assert.equal(refused?.admin, 'alice');
});

test('a change that would lock the editing admin out is refused; through the own list it is allowed', async () => {
  const before = await readFile(file, 'utf8');
  const lockout = await post(admin, 'remove', { name: 'admins', cidr: '127.0.0.1' });
  assert.equal(lockout.status, 409);
  assert.match(
    visible(lockout.text),
    /Not saved: this change would lock you out\. Your address 127\.0\.0\.1 would no longer/,
  );
  assert.equal(await readFile(file, 'utf8'), before, 'nothing saved');
  assert.equal(audits('allowlist.edit_refused').at(-1)?.reason, 'self_lockout');

  // With the address in the admin's own list, the list entry can go; the own list is then the last way in.
  const own = await post(admin, 'add', { kind: 'user', name: 'Alice', cidr: '127.0.0.1', note: 'my desk' });
  assert.equal(own.status, 200, visible(own.text));
  assert.deepEqual(entriesOf(own.text, 'user:alice'), [['127.0.0.1', 'my desk']], 'the username is canonicalised');
  assert.equal((await post(admin, 'remove', { name: 'admins', cidr: '127.0.0.1' })).status, 200);
  const last = await post(admin, 'remove', { kind: 'user', name: 'alice', cidr: '127.0.0.1' });
  assert.equal(last.status, 409);
  // Put the list back as it was for the tests that follow.
  assert.equal((await post(admin, 'add', { name: 'admins', cidr: '127.0.0.1', note: 'this machine' })).status, 200);
});

test('a saved removal cuts off a staff session once the gateway has re-read the file; adding it back lets it in', async () => {
  const staff = harness.browser();
  assert.equal((await staff.login(STAFF.user, STAFF.password)).location, '/dashboard');
  assert.equal((await staff.get('/dashboard')).status, 200);

  const removed = await post(admin, 'remove', { name: 'staff', cidr: '127.0.0.1' });
  assert.equal(removed.status, 200);
  assert.match(visible(removed.text), /List staff: removed 127\.0\.0\.1; 1 entry left\./);
  assert.match(await readFile(file, 'utf8'), /staff:\n\s+- 10\.0\.0\.0\/8\n/, 'the entry left the file');
  const event = audits('allowlist.entry_removed').at(-1);
  assert.deepEqual(
    [event?.admin, event?.list, event?.cidr, event?.note, event?.source],
    ['alice', 'staff', '127.0.0.1', 'this machine', 'yaml'],
  );
  await waitFor('the staff session to be refused', async () => (await staff.get('/dashboard')).status === 403);

  const added = await post(admin, 'add', { name: 'staff', cidr: '127.0.0.1', note: 'back again' });
  assert.equal(added.status, 200);
  assert.equal(audits('allowlist.entry_added').at(-1)?.note, 'back again');
  await waitFor('the staff session to work again', async () => (await staff.get('/dashboard')).status === 200);
});

test('a read-only file: the page says so and offers no forms; a post is refused', async () => {
  await chmod(file, 0o444);
  try {
    const page = await admin.get(PAGE);
    assert.equal(page.status, 200);
    assert.match(visible(page.text), /The lists cannot be changed here: .*gateway\.yaml is read-only \(mode 444\)\./);
    assert.doesNotMatch(page.text, /admin\/allowlists\/(add|remove)/, 'no forms to fill in for nothing');
    const before = await readFile(file, 'utf8');
    const csrf = formField(page.text, 'csrf_token') ?? (await admin.gatewayCsrf('/_gateway/account'));
    const posted = await admin.post(`${PAGE}/add`, {
      csrf_token: csrf,
      kind: 'list',
      name: 'staff',
      cidr: '192.0.2.7',
    });
    assert.equal(posted.status, 409);
    assert.equal(await readFile(file, 'utf8'), before);
    assert.equal(audits('allowlist.edit_refused').at(-1)?.reason, 'read_only');
  } finally {
    await chmod(file, 0o644);
  }
});

test('an admin whose login passed no second step (optional by policy, none enrolled) gets 403', async () => {
  const lax = await startLoginHarness({ overrides: { policy: { admin: { second_step: 'optional' } } } });
  try {
    const browser = lax.browser();
    assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/dashboard', 'a password was enough');
    assert.equal((await browser.get(PAGE)).status, 403);
  } finally {
    await lax.close();
  }
});

test('parallel posts from the page are all saved, none lost', async () => {
  const csrf = await admin.gatewayCsrf(PAGE);
  const cidrs = ['192.0.2.31', '192.0.2.32', '192.0.2.33', '192.0.2.34', '192.0.2.35', '192.0.2.36'];
  const send = (action: 'add' | 'remove', cidr: string) =>
    admin.post(`${PAGE}/${action}`, { csrf_token: csrf, kind: 'list', name: 'staff', cidr, note: `desk ${cidr}` });
  const added = await Promise.all(cidrs.map((cidr) => send('add', cidr)));
  assert.deepEqual(
    added.map((answer) => answer.status),
    cidrs.map(() => 200),
  );
  const loaded = parseYaml(await readFile(file, 'utf8')) as { allowlists: { lists: { staff: unknown[] } } };
  const inFile = JSON.stringify(loaded.allowlists.lists.staff);
  for (const cidr of cidrs) assert.ok(inFile.includes(`"${cidr}"`), `${cidr} is in the file`);

  const removed = await Promise.all(cidrs.map((cidr) => send('remove', cidr)));
  assert.deepEqual(
    removed.map((answer) => answer.status),
    cidrs.map(() => 200),
  );
  const after = await readFile(file, 'utf8');
  for (const cidr of cidrs) assert.ok(!after.includes(cidr), `${cidr} left the file`);
});

test("a user's list written under two spellings: a removal takes the address out of both, audited once", async () => {
  const original = await readFile(file, 'utf8');
  const doc = parseDocument(original);
  doc.setIn(['allowlists', 'users', 'Carol'], ['192.0.2.50']);
  doc.setIn(['allowlists', 'users', 'carol'], ['192.0.2.50', '192.0.2.51']);
  await writeFile(file, doc.toString());
  try {
    const removedBefore = audits('allowlist.entry_removed').length;
    const answer = await post(admin, 'remove', { kind: 'user', name: 'carol', cidr: '192.0.2.50' });
    assert.equal(answer.status, 200, visible(answer.text));
    assert.deepEqual(entriesOf(answer.text, 'user:carol'), [['192.0.2.51', '']]);
    const { users } = (parseYaml(await readFile(file, 'utf8')) as { allowlists: { users: Record<string, unknown> } })
      .allowlists;
    assert.deepEqual([users.Carol, users.carol], [[], ['192.0.2.51']]);
    const removed = audits('allowlist.entry_removed');
    assert.equal(removed.length, removedBefore + 1);
    assert.deepEqual([removed.at(-1)?.user_list, removed.at(-1)?.cidr], ['carol', '192.0.2.50']);

    const again = await post(admin, 'remove', { kind: 'user', name: 'carol', cidr: '192.0.2.50' });
    assert.equal(again.status, 404);
    assert.match(visible(again.text), /192\.0\.2\.50 is not in user carol: nothing removed\./);
    assert.equal(audits('allowlist.entry_removed').length, removedBefore + 1, 'no removal audited');
    assert.equal(audits('allowlist.edit_refused').at(-1)?.reason, 'not_found');
  } finally {
    await writeFile(file, original);
  }
});

test('a gateway.yaml that does not validate: the page shows the lists in force, read-only; a post is refused', async () => {
  const original = await readFile(file, 'utf8');
  const broken = `${original}unknown_section: 1\n`;
  await writeFile(file, broken);
  try {
    const page = await admin.get(PAGE);
    assert.equal(page.status, 200);
    const text = visible(page.text);
    assert.match(text, /The lists cannot be changed here: .*gateway\.yaml does not load as it stands: unknown_section/);
    assert.match(text, /The lists shown are those in force.*edits are refused until the file is fixed\./);
    assert.deepEqual(entriesOf(page.text, 'list:admins'), [['127.0.0.1', 'this machine']], 'the lists in force');
    assert.doesNotMatch(page.text, /admin\/allowlists\/(add|remove)/, 'no forms');

    const csrf = await admin.gatewayCsrf('/_gateway/account');
    const posted = await admin.post(`${PAGE}/add`, {
      csrf_token: csrf,
      kind: 'list',
      name: 'staff',
      cidr: '192.0.2.7',
    });
    assert.equal(posted.status, 409);
    assert.equal(await readFile(file, 'utf8'), broken, 'nothing written');
    assert.equal(audits('allowlist.edit_refused').at(-1)?.reason, 'file_invalid');
  } finally {
    await writeFile(file, original);
  }
});

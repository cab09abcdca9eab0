// Issue 3: `gateway sessions list` shows an operator a user's sessions without anything that
// could be used as one (an id prefix, never the id or the cookie); `gateway sessions revoke
// NAME` ends that user's sessions and no one else's, `--all` everyone's, on the gateway
// within its 2-second record cache. The command runs as its own process against Redis.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type CliFixture, runCli, startCliFixture } from '../helpers/cli.js';
import { type Browser, type LoginHarness, STAFF } from '../helpers/login-harness.js';

let fixture: CliFixture;
let harness: LoginHarness;
let config: string;

before(async () => {
  fixture = await startCliFixture();
  ({ harness, config } = fixture);
});
after(() => fixture?.close());

const sessions = (...args: string[]) => runCli(['sessions', ...args, '--config', config]);

async function signedIn(user: string, password: string): Promise<Browser> {
  const browser = harness.browser();
  assert.equal((await browser.login(user, password)).location, '/dashboard');
  return browser;
}

/** Whether the browser's session still gets the app's dashboard, once the gateway's cache has lapsed. */
async function works(browser: Browser): Promise<boolean> {
  return (await browser.get('/dashboard')).status === 200;
}

test('sessions list shows id prefixes and times, never an id or a cookie', async () => {
  const browsers = [await signedIn(STAFF.user, STAFF.password), await signedIn(STAFF.user, STAFF.password)];
  const records = await harness.gateway.login!.records.listSessions('bob');
  assert.equal(records.length, 2);

  const listed = await sessions('list', 'BOB');
  assert.equal(listed.code, 0, listed.stderr);
  const [summary, header, ...rows] = listed.stdout.trimEnd().split('\n');
  assert.equal(summary, 'bob: 2 open sessions');
  assert.match(header ?? '', /^ {2}ID {8}ROLE {3}CREATED {15}LAST SEEN {13}ENDS$/);
  assert.equal(rows.length, 2);
  for (const record of records) {
    assert.ok(
      rows.some((row) => row.startsWith(`  ${record.id.slice(0, 8)}  staff  `)),
      record.id.slice(0, 8),
    );
  }
  for (const row of rows) assert.match(row, /^ {2}\S{8} {2}staff {2}(\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ {2}){2}\S+ \S+Z$/);
  const secrets = [
    ...records.map((record) => record.id.slice(0, 12)),
    ...browsers.map((browser) => browser.cookies.get('gw_session') as string),
  ];
  for (const secret of secrets) {
    assert.ok(!listed.stdout.includes(secret) && !listed.stderr.includes(secret), 'no id or cookie is shown');
  }
  assert.deepEqual(listed.audit, [], 'listing changes nothing');
  assert.equal((await sessions('list', 'carol')).stdout, 'carol: 0 open sessions\n');
});

test('revoke NAME ends that user’s sessions only; --all ends everyone’s', async () => {
  await harness.gateway.login!.records.revoke({ all: true });
  const bob = [await signedIn(STAFF.user, STAFF.password), await signedIn(STAFF.user, STAFF.password)];
  const carol = await signedIn('carol', 'carol-password');
  const { browser: alice } = await harness.enrollAdmin();

  const revoked = await sessions('revoke', 'bob');
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.equal(revoked.stdout, 'revoked 2 sessions of bob; gateways sharing this store refuse them within 2 seconds\n');
  assert.deepEqual(
    revoked.audit.map(({ event, user, sessions }) => ({ event, user, sessions })),
    [{ event: 'session.revoked', user: 'bob', sessions: 2 }],
  );
  harness.clock.advance(2_001);
  assert.deepEqual(await Promise.all([...bob, carol, alice].map(works)), [false, false, true, true]);

  const all = await sessions('revoke', '--all');
  assert.equal(all.code, 0, all.stderr);
  assert.equal(
    all.stdout,
    'revoked 2 sessions of every user; gateways sharing this store refuse them within 2 seconds\n',
  );
  assert.deepEqual(
    all.audit.map(({ event, all, sessions }) => ({ event, all, sessions })),
    [{ event: 'session.revoked', all: true, sessions: 2 }],
  );
  harness.clock.advance(2_001);
  assert.deepEqual(await Promise.all([carol, alice].map(works)), [false, false]);
});

test('revoke takes a name or --all, not both, not neither', async () => {
  for (const args of [['revoke'], ['revoke', 'bob', '--all']]) {
    const wrong = await sessions(...args);
    assert.equal(wrong.code, 2, args.join(' '));
    assert.match(wrong.stderr, /^gateway: sessions revoke( --all)? takes (NAME|no arguments)\n\nUsage:/);
  }
});

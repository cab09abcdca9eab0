// S3, S7, S11 at login and on every request of a session. Gateway A has no trusted proxy, so
// its clients are the socket peer (127.0.0.1) whatever X-Forwarded-For says; gateway B trusts
// 127.0.0.1 as a proxy, so the forwarded address is the one checked. Staff (bound to the list
// staff) are refused outside it with a plain 403 page or JSON, an audit event, and nothing
// forwarded: the app proves it received no login. A user's own list counts too; admins are
// bound only when the policy says so; lists that never loaded refuse staff with a 503.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import type { AllowlistProvider } from '../../src/allowlist/provider.js';
import { ADMIN, type Answer, type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';

let a: LoginHarness;
let b: LoginHarness;

const STAFF_LIST = [{ cidr: '192.0.2.0/24', note: 'office' }];

before(async () => {
  a = await startLoginHarness({
    overrides: {
      trusted_proxies: [],
      allowlists: { lists: { staff: STAFF_LIST }, users: { Carol: [{ cidr: '127.0.0.1', note: 'works here' }] } },
    },
  });
  b = await startLoginHarness({
    app: a,
    overrides: {
      trusted_proxies: ['127.0.0.1'],
      policy: { admin: { second_step: 'required', allowlist: 'admins' }, staff: { allowlist: 'staff' } },
      allowlists: { lists: { staff: STAFF_LIST, admins: ['192.0.2.0/24'] } },
    },
  });
});
after(async () => {
  await b?.close();
  await a?.close();
});

const from = (address: string) => ({ 'x-forwarded-for': address });
const loginPosts = () => a.received.filter((r) => r.method === 'POST' && /^\/(api\/)?login/.test(r.url)).length;

function auditLines(harness: LoginHarness): Array<Record<string, unknown>> {
  return harness
    .logText()
    .split('\n')
    .filter((line) => line.includes('"event":"allowlist.refused"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function assertRefusedPage(answer: Answer, what: string): void {
  assert.equal(answer.status, 403, what);
  assert.match(String(answer.headers['content-type']), /^text\/html/, what);
  assert.match(answer.text, /Not allowed from here/, what);
  assert.ok(!answer.setCookies.some((line) => /^gw_session=[^;]/.test(line)), `${what}: no session issued`);
}

describe('at login, before anything is forwarded', () => {
  test('a staff login from outside the list is refused with a 403 page, audited, and the app gets nothing', async () => {
    const before = loginPosts();
    const answer = await a.browser().login(STAFF.user, STAFF.password);
    assertRefusedPage(answer, 'staff from 127.0.0.1');
    assert.equal(loginPosts(), before, 'the password never reached the app');
    const event = auditLines(a).find((line) => line.user === STAFF.user && line.stage === 'login');
    assert.ok(event, 'an allowlist.refused audit event');
    assert.equal(event.reason, 'outside');
    assert.equal(event.list, 'staff');
    assert.equal(event.client, '127.0.0.1');
    assert.doesNotMatch(a.logText(), new RegExp(STAFF.password));
  });

  test("a script's JSON login is refused with JSON, and the app gets nothing", async () => {
    const browser = a.browser();
    const before = loginPosts();
    const answer = await browser.jsonLogin(STAFF.user, STAFF.password);
    assert.equal(answer.status, 403);
    assert.deepEqual(Object.keys(JSON.parse(answer.text)), ['error', 'message', 'request_id']);
    assert.equal(JSON.parse(answer.text).error, 'allowlist_refused');
    assert.equal(loginPosts(), before);
  });

  test('every spelling of the username is the same staff member, refused alike', async () => {
    const before = loginPosts();
    for (const spelling of ['BOB', ' bob ', 'ｂｏｂ']) {
      assertRefusedPage(await a.browser().login(spelling, STAFF.password), spelling);
    }
    assert.equal(loginPosts(), before);
  });

  test('an X-Forwarded-For from a peer that is not a trusted proxy does not help (S7)', async () => {
    const before = loginPosts();
    const answer = await a.browser().login(STAFF.user, STAFF.password, { headers: from('192.0.2.10') });
    assertRefusedPage(answer, 'spoofed X-Forwarded-For');
    assert.equal(loginPosts(), before);
  });

  test("a staff member's own list admits them from its addresses (canonical name)", async () => {
    const answer = await a.browser().login('carol', 'carol-password');
    assert.equal(answer.status, 302);
    assert.equal(answer.location, '/dashboard');
  });

  test('admins are not bound to the staff list unless the policy says so', async () => {
    const answer = await a.browser().login(ADMIN.user, ADMIN.password);
    assert.equal(answer.location, '/_gateway/enroll', 'A: an unbound admin goes on to the second step');
    const refused = await b.browser().login(ADMIN.user, ADMIN.password, { headers: from('198.51.100.1') });
    assertRefusedPage(refused, 'B binds admins to the list admins');
    const inside = await b.browser().login(ADMIN.user, ADMIN.password, { headers: from('192.0.2.7') });
    assert.equal(inside.location, '/_gateway/enroll');
  });

  test('lists that never loaded refuse staff with a 503 (fail closed), and admit unbound users', async () => {
    const services = a.gateway.login;
    assert.ok(services);
    const loaded = services.allowlists;
    const never: AllowlistProvider = { current: () => undefined, close: async () => {} };
    services.allowlists = never;
    try {
      const before = loginPosts();
      const answer = await a.browser().login('carol', 'carol-password');
      assert.equal(answer.status, 503);
      assert.match(answer.text, /Sign-in unavailable/);
      assert.equal(loginPosts(), before);
      assert.ok(auditLines(a).some((line) => line.user === 'carol' && line.reason === 'not_loaded'));
      assert.equal((await a.browser().login(ADMIN.user, ADMIN.password)).location, '/_gateway/enroll');
    } finally {
      services.allowlists = loaded;
    }
  });
});

describe('through a trusted proxy the forwarded client address is the one checked (S7)', () => {
  const cases: Array<[forwardedFor: string, admitted: boolean]> = [
    ['192.0.2.10', true],
    ['198.51.100.1', false],
    ['::ffff:192.0.2.10', true],
    // The proxy appends the address it saw: the rightmost untrusted one is the client.
    ['192.0.2.10, 198.51.100.1', false],
    ['198.51.100.1, 192.0.2.10', true],
  ];
  for (const [forwardedFor, admitted] of cases) {
    test(`X-Forwarded-For: ${forwardedFor} is ${admitted ? 'admitted' : 'refused'}`, async () => {
      const before = loginPosts();
      const answer = await b.browser().login(STAFF.user, STAFF.password, { headers: from(forwardedFor) });
      if (admitted) {
        assert.equal(answer.location, '/dashboard');
      } else {
        assertRefusedPage(answer, forwardedFor);
        assert.equal(loginPosts(), before);
      }
    });
  }

  test('a malformed X-Forwarded-For is refused (400), never read as no address', async () => {
    const before = loginPosts();
    const answer = await b.browser().request('POST', '/login', {
      form: { username: STAFF.user, password: STAFF.password },
      headers: from('192.0.2.10, not-an-ip'),
    });
    assert.equal(answer.status, 400);
    assert.equal(loginPosts(), before);
  });
});

describe('every request of a session, from where it comes now', () => {
  test('a session used from outside the list is refused, the request never forwarded; from inside it still works', async () => {
    const browser = b.browser();
    assert.equal(
      (await browser.login(STAFF.user, STAFF.password, { headers: from('192.0.2.10') })).location,
      '/dashboard',
    );
    const seen = a.received.length;
    assertRefusedPage(await browser.get('/dashboard', from('198.51.100.1')), 'dashboard from outside');
    const json = await browser.request('GET', '/api/me', {
      headers: { accept: 'application/json', ...from('198.51.100.1') },
    });
    assert.equal(json.status, 403);
    assert.equal(JSON.parse(json.text).error, 'allowlist_refused');
    assertRefusedPage(await browser.get('/_gateway/account', from('198.51.100.1')), 'account page from outside');
    assert.equal(a.received.length, seen, 'the app received nothing');
    assert.ok(auditLines(b).some((line) => line.stage === 'request' && line.client === '198.51.100.1'));
    assert.ok(auditLines(b).some((line) => line.stage === 'gateway_page'));
    // The session was not ended: back inside, it works.
    assert.equal((await browser.get('/dashboard', from('192.0.2.10'))).status, 200);
    assert.equal((await browser.get('/_gateway/account', from('192.0.2.10'))).status, 200);
  });

  test("a pending login's gateway pages are refused from outside the list", async () => {
    const browser = b.browser();
    const answer = await browser.login(ADMIN.user, ADMIN.password, { headers: from('192.0.2.7') });
    assert.equal(answer.location, '/_gateway/enroll');
    assertRefusedPage(await browser.get('/_gateway/enroll', from('198.51.100.1')), 'enroll page from outside');
    assert.equal((await browser.get('/_gateway/enroll', from('192.0.2.7'))).status, 200);
  });

  test('a WebSocket upgrade from outside the list is refused; from inside it opens', async () => {
    const browser = b.browser();
    await browser.login(STAFF.user, STAFF.password, { headers: from('192.0.2.10') });
    const open = (address: string) =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(`${b.gatewayUrl.replace(/^http/, 'ws')}/ws`, {
          headers: { cookie: browser.cookieHeader(), ...from(address) },
        });
        socket.once('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          socket.terminate();
        });
        socket.once('message', () => {
          resolve(101);
          socket.close();
        });
        socket.once('error', reject);
      });
    assert.equal(await open('198.51.100.1'), 403);
    assert.equal(await open('192.0.2.10'), 101);
    assert.ok(auditLines(b).some((line) => line.stage === 'upgrade'));
  });
});

// login.identity (S13): who the app signed in is read from its login answer or asked with the
// new session, and that user is the one judged. A login the app signed someone else in for is
// judged as that user (here an admin, who owes a second step), its session never reaching the
// browser before; an answer naming nobody is refused. Also the old key login.identity_check,
// read as the json source.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { type AnswerParts, fieldAt, htmlText, identityInAnswer, identityInPage } from '../../src/intercept/identity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

describe('fieldAt', () => {
  const rows: Array<[unknown, string, string | undefined]> = [
    [{ name: 'alice' }, 'name', 'alice'],
    [{ user: { name: 'alice' } }, 'user.name', 'alice'],
    [{ user: { name: 7 } }, 'user.name', undefined],
    [{ user: null }, 'user.name', undefined],
    [['alice'], '0', 'alice'],
    ['alice', 'name', undefined],
  ];
  for (const [document, path, expected] of rows) {
    test(`${JSON.stringify(document)} @ ${path}`, () => assert.equal(fieldAt(document, path), expected));
  }
});

describe('identityInAnswer', () => {
  const answer = (parts: Partial<AnswerParts>): AnswerParts => ({
    headers: {},
    body: Buffer.alloc(0),
    setCookies: [],
    ...parts,
  });
  const rows: Array<[string, Parameters<typeof identityInAnswer>[0], AnswerParts, string | undefined]> = [
    [
      'a cookie name (SQL-Ledger)',
      { source: 'cookie', pattern: '^SL-(.+)$' },
      answer({ setCookies: ['SL-admin=abc; Path=/', 'other=1'] }),
      'admin',
    ],
    [
      'a percent-encoded cookie name',
      { source: 'cookie', pattern: '^SL-(.+)$' },
      answer({ setCookies: ['SL-bob%40corp.example=abc'] }),
      'bob@corp.example',
    ],
    [
      'a cookie being deleted names nobody',
      { source: 'cookie', pattern: '^SL-(.+)$' },
      answer({ setCookies: ['SL-admin=; Max-Age=0'] }),
      undefined,
    ],
    [
      'two users named: nobody',
      { source: 'cookie', pattern: '^SL-(.+)$' },
      answer({ setCookies: ['SL-admin=1', 'SL-bob=2'] }),
      undefined,
    ],
    [
      'the Location',
      { source: 'location', pattern: '^/users/([^/?]+)' },
      answer({ headers: { location: '/users/alice%40corp.example/home' } }),
      'alice@corp.example',
    ],
    [
      'a header',
      { source: 'header', header: 'X-User', pattern: '^(.+)$' },
      answer({ headers: { 'x-user': 'carol' } }),
      'carol',
    ],
    ['no such header', { source: 'header', header: 'X-User', pattern: '^(.+)$' }, answer({}), undefined],
    [
      'the body',
      { source: 'body', pattern: '"user":"([^"]+)"' },
      answer({ body: Buffer.from('{"ok":true,"user":"dave"}') }),
      'dave',
    ],
    ['the body without it', { source: 'body', pattern: '"user":"([^"]+)"' }, answer({}), undefined],
  ];
  for (const [name, source, parts, expected] of rows) {
    test(name, () => assert.equal(identityInAnswer(source, parts), expected));
  }
});

describe('identityInPage', () => {
  const page = { source: 'page', path: '/me', pattern: '<b id="user">([^<]+)</b>' } as const;
  const json = { source: 'json', path: '/me', field: 'user.name' } as const;
  test('a regular expression over an HTML page, entities decoded', () =>
    assert.equal(identityInPage(page, 200, '<b id="user">o&#39;brien&amp;co</b>'), "o'brien&co"));
  test('a page that is not a 200 names nobody', () =>
    assert.equal(identityInPage(page, 302, '<b id="user">alice</b>'), undefined));
  test('a JSON field', () => assert.equal(identityInPage(json, 200, '{"user":{"name":"alice"}}'), 'alice'));
  test('malformed JSON names nobody', () => assert.equal(identityInPage(json, 200, '{"user"'), undefined));
  test('htmlText', () => assert.equal(htmlText('a&lt;b&gt;&quot;&#x41;&unknown;'), 'a<b>"A&unknown;'));
});

describe('login.identity in the configuration', () => {
  const base =
    'upstream: { url: "http://127.0.0.1:1" }\npublic_paths: [/login]\nlogin:\n  routes: [{ path: /login }]\n  page: /login\n';
  test('a pattern without a capture group is refused', async () => {
    const result = await parseConfig(`${base}  identity: { source: cookie, pattern: "SL-.+" }\n`);
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.deepEqual(
        result.errors.map((error) => [error.path, error.message]),
        [['login.identity.pattern', 'needs a capture group, such as (.+), for the user']],
      );
    }
  });
  test('the old identity_check is read as the json source', async () => {
    const result = await parseConfig(`${base}  identity_check: { path: /api/me, field: name }\n`);
    assert.deepEqual(result.ok && result.config.login?.identity, { source: 'json', path: '/api/me', field: 'name' });
  });
});

describe('identity confirmed through the gateway', () => {
  let upstream: TestUpstream;
  let gateway: TestGateway;
  let dataDir: string;
  // The app signs in whoever is named in "as" when present: an alias the form's username does not show.
  before(async () => {
    upstream = await startUpstream((req, res, recorded) => {
      if (req.method === 'POST' && req.url === '/login') {
        const form = new URLSearchParams(recorded.body.toString());
        if (form.get('password') !== 'x') {
          res.writeHead(302, { location: '/login' });
          res.end();
          return;
        }
        const who = form.get('as') ?? form.get('username') ?? '';
        // "next" is honoured, as many apps do: a success can be steered to redirect to the login page.
        const location = form.get('next') ?? '/home';
        res.writeHead(302, { location, 'set-cookie': `sid=${encodeURIComponent(who)}; Path=/; HttpOnly` });
        res.end();
        return;
      }
      if (req.url === '/api/me') {
        const sid = /sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
        res.writeHead(sid ? 200 : 401, { 'content-type': 'application/json' });
        res.end(JSON.stringify(sid ? { name: decodeURIComponent(sid) } : { error: 'no session' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    dataDir = await mkdtemp(join(tmpdir(), 'gw-identity-'));
    gateway = await startTestGateway({
      upstream: { url: upstream.url },
      data_dir: dataDir,
      store: { type: 'memory' },
      public_paths: ['/login'],
      login: {
        routes: [{ path: '/login' }],
        page: '/login',
        failure: { redirect_to: ['/login'] },
        identity: { source: 'json', path: '/api/me', field: 'name' },
      },
      users: { admins: ['alice'] },
    });
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const login = (body: string) =>
    fetch(`${gateway.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });

  test('the user the app names is the one in the form: a session', async () => {
    const res = await login('username=Bob&password=x');
    assert.equal(res.status, 302);
    assert.match(res.headers.get('set-cookie') ?? '', /gw_session=s/);
    assert.doesNotMatch(res.headers.get('set-cookie') ?? '', /sid=/);
  });

  test('the app signed in someone else: judged as that user (an admin: withheld behind the second step)', async () => {
    const res = await login('username=bob&password=x&as=alice');
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/_gateway/enroll');
    const cookies = res.headers.get('set-cookie') ?? '';
    assert.doesNotMatch(cookies, /gw_session=s/);
    assert.doesNotMatch(cookies, /sid=/);
    const audit = gateway.logs().find((line) => line.event === 'login.identity_differs');
    assert.equal(audit?.user, 'alice');
    assert.equal(audit?.typed_user, 'bob');
  });

  test('the app names nobody (an empty name): refused, no session, nothing of the app’s', async () => {
    const res = await login('username=bob&password=x&as=');
    assert.equal(res.status, 403);
    const cookies = res.headers.get('set-cookie') ?? '';
    assert.doesNotMatch(cookies, /gw_session=s/);
    assert.doesNotMatch(cookies, /sid=/);
    assert.ok(gateway.logs().some((line) => line.event === 'login.refused'));
  });

  test('a success steered to look like a failure (redirect to the login page) is refused, its session kept from the browser', async () => {
    const res = await login('username=alice&password=x&next=%2Flogin');
    assert.equal(res.status, 403);
    const cookies = res.headers.get('set-cookie') ?? '';
    assert.doesNotMatch(cookies, /gw_session(_anon)?=[^;]/);
    assert.doesNotMatch(cookies, /sid=/);
  });

  test('a real failure (nobody signed in) is still passed through as the app sent it', async () => {
    const res = await login('username=alice&password=wrong');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/login');
    assert.ok(gateway.logs().some((line) => line.event === 'login.password_failed'));
  });
});

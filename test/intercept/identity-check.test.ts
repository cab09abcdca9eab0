// login.identity_check: a login whose session the app says belongs to someone else than the
// user named in the form is refused, and its session never reaches the browser.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fieldAt } from '../../src/intercept/identity-check.js';
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

describe('identity check through the gateway', () => {
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
        identity_check: { path: '/api/me', field: 'name' },
      },
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

  test('the app signed in someone else: refused, no session, nothing of the app’s', async () => {
    const res = await login('username=bob&password=x&as=alice');
    assert.equal(res.status, 403);
    const cookies = res.headers.get('set-cookie') ?? '';
    assert.doesNotMatch(cookies, /gw_session=s/);
    assert.doesNotMatch(cookies, /sid=/);
    const audit = gateway.logs().find((line) => line.event === 'login.refused');
    assert.ok(audit, 'a login.refused audit line');
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

// S2 fails closed: an answer to a login that does not clearly match a failure signal (a
// server error, an unexpected page) is treated as a success, so an admin's session is
// withheld behind the second step, and the app's cookie never reaches the browser.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let gateway: TestGateway;
let dataDir: string;

// The app answers the login with whatever status the form asks for, always setting its session cookie.
before(async () => {
  upstream = await startUpstream((_req, res, recorded) => {
    const form = new URLSearchParams(recorded.body.toString());
    res.writeHead(Number(form.get('status') ?? 200), {
      'content-type': 'text/html',
      'set-cookie': 'sid=APPSESSION; Path=/',
    });
    res.end(form.get('page') ?? '<h1>Hello</h1>');
  });
  dataDir = await mkdtemp(join(tmpdir(), 'gw-fails-closed-'));
  gateway = await startTestGateway({
    upstream: { url: upstream.url },
    data_dir: dataDir,
    store: { type: 'memory' },
    public_paths: ['/login'],
    login: {
      routes: [{ path: '/login' }],
      page: '/login',
      failure: { statuses: [401], body_contains: 'Wrong password' },
    },
    users: { admins: ['alice'] },
  });
});
after(async () => {
  await gateway.close();
  await upstream.close();
  await rm(dataDir, { recursive: true, force: true });
});

const login = (fields: Record<string, string>) =>
  fetch(`${gateway.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ password: 'x', ...fields }).toString(),
  });

const rows: Array<[string, Record<string, string>]> = [
  ['a server error', { status: '500', page: 'Internal error' }],
  ['an unexpected page', { status: '200', page: '<p>Something else</p>' }],
  ['an odd status', { status: '202' }],
];

for (const [name, fields] of rows) {
  test(`${name} for an admin is withheld behind the second step`, async () => {
    const res = await login({ username: 'alice', ...fields });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/_gateway/enroll');
    assert.doesNotMatch(res.headers.get('set-cookie') ?? '', /APPSESSION/);
    assert.equal((await res.text()).includes('Internal error'), false);
  });
}

test('only a clear failure signal is a failure: passed through, no session', async () => {
  const res = await login({ username: 'alice', status: '200', page: 'Wrong password, try again' });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /Wrong password/);
  const cookies = res.headers.get('set-cookie') ?? '';
  assert.doesNotMatch(cookies, /APPSESSION/);
  assert.doesNotMatch(cookies, /gw_session=/);
});

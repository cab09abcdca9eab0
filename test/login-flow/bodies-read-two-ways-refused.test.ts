// Issue 11, item 2 (S1): a login body that the gateway and the app could read differently is
// refused (400) before anything is forwarded. Against an app that sniffs JSON from a form body,
// a "form" whose text is JSON carries one username for a form parser ('nobody"}') and another
// for the app (the admin); a username that is not valid UTF-8 is a made-up user to the gateway;
// multipart is read only when the configuration says the app uses it, and then read properly.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

const ADMIN = { user: 'alice@corp.example', password: 'alice-password' };
const STAFF = { user: 'bob@corp.example', password: 'bob-password' };
const FORM = 'application/x-www-form-urlencoded';

/** The lenient demo app; no identity confirmation, so that the reading alone is tested. */
function start(login: Record<string, unknown> = {}): Promise<LoginHarness> {
  return startLoginHarness({
    lenientApp: true,
    overrides: {
      login: { identity: undefined, ...login },
      users: { admins: [ADMIN.user], roles: { [STAFF.user]: 'staff' } },
      allowlists: { lists: { staff: [{ cidr: '192.0.2.0/24', note: 'office' }] } },
    },
  });
}

async function refusedUnforwarded(harness: LoginHarness, type: string, body: string | Buffer, what: string) {
  const browser = harness.browser();
  const { csrf } = await browser.loginPage();
  const before = harness.received.length;
  const answer = await browser.request('POST', `/login?csrf_token=${csrf}`, {
    body,
    headers: { 'content-type': type },
  });
  assert.equal(answer.status, 400, what);
  assert.equal(harness.received.length, before, `${what}: forwarded`);
  assert.equal(browser.cookies.has('gw_session'), false, what);
}

describe('with the default login section', () => {
  let harness: LoginHarness;
  before(async () => {
    harness = await start();
  });
  after(() => harness.close());

  test('a form body that is JSON: the app would sign the admin in while the gateway read someone else', async () => {
    const body = JSON.stringify({ username: ADMIN.user, password: ADMIN.password, x: '&username=nobody' });
    await refusedUnforwarded(harness, FORM, body, 'JSON declared as a form');
    await refusedUnforwarded(harness, FORM, ` \n${body}`, 'JSON after white space');
  });

  test('a JSON body that is not one object', async () => {
    const one = JSON.stringify({ username: ADMIN.user, password: ADMIN.password });
    await refusedUnforwarded(harness, 'application/json', `[${one}]`, 'an array');
    await refusedUnforwarded(harness, 'application/json', `${one}${one}`, 'two objects');
  });

  test('a username that is not valid UTF-8', async () => {
    await refusedUnforwarded(harness, FORM, `username=al%FFice&password=x`, 'percent-encoded');
    const raw = Buffer.concat([Buffer.from('username=ali'), Buffer.from([0xe9]), Buffer.from('&password=x')]);
    await refusedUnforwarded(harness, FORM, raw, 'raw Latin-1 byte');
    await refusedUnforwarded(harness, 'application/json', '{"username":"al\\udc00ice"}', 'a lone surrogate');
  });

  test('multipart, which the configuration does not say the app uses', async () => {
    const body = `--XX\r\nContent-Disposition: form-data; name="username"\r\n\r\n${STAFF.user}\r\n--XX--\r\n`;
    await refusedUnforwarded(harness, 'multipart/form-data; boundary=XX', body, 'multipart');
  });
});

describe('with login.multipart: true', () => {
  let harness: LoginHarness;
  before(async () => {
    harness = await start({ multipart: true });
  });
  after(() => harness.close());

  const part = (name: string, value: string) =>
    `--XX\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;

  test('the username is read from the parts: staff outside the list are refused before forwarding', async () => {
    const browser = harness.browser();
    const before = harness.received.length;
    const answer = await browser.request('POST', '/login', {
      body: `${part('username', STAFF.user)}${part('password', STAFF.password)}--XX--\r\n`,
      headers: { 'content-type': 'multipart/form-data; boundary=XX' },
    });
    assert.equal(answer.status, 403);
    assert.equal(harness.received.length, before);
  });

  test('a username given twice in the parts is refused', async () => {
    const body = `${part('username', 'nobody')}${part('username', ADMIN.user)}--XX--\r\n`;
    await refusedUnforwarded(harness, 'multipart/form-data; boundary=XX', body, 'twice');
  });
});

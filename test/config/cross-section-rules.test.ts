// Rules that span sections: a login page the gateway would itself refuse (an endless
// redirect), and a pass-through cookie that is the gateway's own, are configuration errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatConfigError, parseConfig } from '../../src/config/load.js';

const base = {
  upstream: { url: 'http://127.0.0.1:3001' },
  public_paths: ['/login', '/static/'],
  login: { routes: [{ path: '/login' }], page: '/login' },
};

async function errorsOf(config: unknown): Promise<string[]> {
  const result = await parseConfig(JSON.stringify(config));
  return result.ok ? [] : result.errors.map(formatConfigError);
}

test('a login page listed in public_paths is valid, in any spelling', async () => {
  assert.deepEqual(await errorsOf(base), []);
  assert.deepEqual(await errorsOf({ ...base, login: { ...base.login, page: '/Login/?from=gw' } }), []);
  assert.deepEqual(await errorsOf({ ...base, login: { ...base.login, page: '/static/login' } }), []);
});

test('a login page outside public_paths is refused at login.page', async () => {
  const errors = await errorsOf({ ...base, public_paths: ['/static/'] });
  assert.equal(errors.length, 1);
  assert.match(errors[0] as string, /^login\.page: must be listed in public_paths/);
});

test("the gateway's own cookies cannot pass through", async () => {
  for (const name of ['gw_session', 'gw_session_anon', '__Host-gw_session']) {
    const errors = await errorsOf({ ...base, login: { ...base.login, pass_through_cookies: ['XSRF-TOKEN', name] } });
    assert.equal(errors.length, 1, name);
    assert.match(errors[0] as string, /^login\.pass_through_cookies\.1: .* the gateway's own cookie/);
  }
});

test('path rules are validated: their paths, methods and access, each at its key', async () => {
  const errors = await errorsOf({
    ...base,
    rules: [
      { path: '/settings/bank', methods: ['POST'], access: { fresh_second_step: '5m' } },
      { path: 'settings', access: 'session' },
      { path: '/a', methods: ['PO ST'], access: 'deny' },
      { path: '/b', access: 'sometimes' },
      { path: '/c', access: { fresh_second_step: 5 } },
      { path: '/d', access: 'public', extra: 1 },
    ],
  });
  assert.equal(errors.length, 5, errors.join('\n'));
  assert.match(errors[0] as string, /^rules\.1\.path: must be an absolute path/);
  assert.match(errors[1] as string, /^rules\.2\.methods\.0: must be an HTTP method/);
  assert.match(errors[2] as string, /^rules\.3\.access/);
  assert.match(errors[3] as string, /^rules\.4\.access/);
  assert.match(errors[4] as string, /^rules\.5/);
});

test('a rule that takes the login page out of the public paths is refused at login.page', async () => {
  const errors = await errorsOf({ ...base, rules: [{ path: '/login', methods: ['GET'], access: 'second_step' }] });
  assert.equal(errors.length, 1);
  assert.match(errors[0] as string, /^login\.page: .* the first that does says second_step/);
  // A public rule is as good as public_paths.
  assert.deepEqual(await errorsOf({ ...base, public_paths: [], rules: [{ path: '/login', access: 'public' }] }), []);
});

test('rules without a login section are refused: there is no session to ask anything of', async () => {
  const errors = await errorsOf({ upstream: base.upstream, rules: [{ path: '/x', access: 'deny' }] });
  assert.equal(errors.length, 1);
  assert.match(errors[0] as string, /^rules: needs a login section/);
});

// S12: adding a passkey beside a factor already held, and removing one, each need the second
// step passed in that same form: a TOTP code, a recovery code (spent), or a passkey answering a
// challenge made for that one change. A step passed a minute before (at sign-in) is not enough,
// a refused change changes nothing and is audited, a change's challenge serves no other change
// nor a login, and only once. Renaming needs no step and is escaped. Passkeys are software
// authenticators here (the browser suite uses Chromium's); the origin is never read from Host.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, type Browser, formField, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';
import { createSoftAuthenticator, pageOptions, type SoftAuthenticator } from '../helpers/soft-authenticator.js';

const ORIGIN = 'http://localhost:8443';
const PASSKEYS = '/_gateway/account/passkeys';
const REMOVE = '/_gateway/account/passkeys/remove';
const STEP_MS = 30_000;

let harness: LoginHarness;
let browser: Browser;
let secret: string;
let recoveryCodes: string[];

before(async () => {
  harness = await startLoginHarness({ overrides: { passkeys: { origin: ORIGIN } } });
  ({ secret, recoveryCodes, browser } = await harness.enrollAdmin());
});
after(() => harness.close());

const services = () => harness.gateway.login!;
const names = async () => (await services().passkeys.list(ADMIN.user)).map((key) => key.name);

/** One passkey: an authenticator of its own (so that it is the one answering), and its id once registered. */
class Passkey {
  private readonly authenticator: SoftAuthenticator = createSoftAuthenticator(ORIGIN);
  id = '';

  register(options: Parameters<SoftAuthenticator['register']>[0]): string {
    const response = this.authenticator.register(options);
    this.id = (JSON.parse(response) as { id: string }).id;
    return response;
  }

  assert(options: Parameters<SoftAuthenticator['authenticate']>[0]): string {
    return this.authenticator.authenticate(options);
  }
}

/** A TOTP code not used before: the clock moves a step first (S5 refuses a step twice). */
function freshCode(): string {
  harness.clock.advance(STEP_MS);
  return harness.code(secret);
}

/** The audit lines of one event so far. */
function audits(event: string): Array<Record<string, unknown>> {
  return harness
    .logText()
    .split('\n')
    .filter((line) => line.includes(`"event":"${event}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Posts the passkeys page's add form: `key` answers its registration challenge; `step` is what else is posted. */
async function addPasskey(key: Passkey, name: string, step: Record<string, string>) {
  const page = await browser.get(PASSKEYS);
  const options = pageOptions<Parameters<Passkey['register']>[0]>(page.text, 'passkey-options-register');
  assert.ok(options, 'the page offers a registration');
  return browser.post(PASSKEYS, {
    csrf_token: formField(page.text, 'csrf_token') ?? '',
    name,
    passkey_response: key.register(options),
    ...step,
  });
}

/** A passkey registered with a fresh TOTP code. */
async function registered(name: string): Promise<Passkey> {
  const key = new Passkey();
  assert.equal((await addPasskey(key, name, { code: freshCode() })).status, 200);
  return key;
}

/** The removal page of passkey `id`: its CSRF token and the sign-in options made for this removal. */
async function removalPage(id: string) {
  const page = await browser.get(`${REMOVE}?passkey=${encodeURIComponent(id)}`);
  assert.equal(page.status, 200);
  const options = pageOptions(page.text, 'passkey-options-authenticate');
  assert.ok(options, 'the removal page offers a passkey');
  return { csrf: formField(page.text, 'csrf_token') ?? '', options };
}

const remove = (csrf: string, id: string, step: Record<string, string>) =>
  browser.post(REMOVE, { csrf_token: csrf, passkey: id, ...step });

test('adding a passkey beside TOTP needs the step in the same form, and a wrong one adds nothing', async () => {
  const key = new Passkey();
  const bare = await addPasskey(key, 'Laptop', {});
  assert.equal(bare.status, 403);
  assert.match(bare.text, /Please confirm it is you/);
  const wrong = await addPasskey(key, 'Laptop', { code: '000000' });
  assert.equal(wrong.status, 401);
  assert.deepEqual(await names(), []);
  assert.deepEqual(
    audits('enrollment.refused').map((line) => [line.change, line.reason]),
    [
      ['passkey add', 'no second step'],
      ['passkey add', 'second step failed'],
    ],
  );
  assert.ok(!harness.logText().includes('"000000"'), 'the code typed is never logged');

  const added = await addPasskey(key, 'Laptop', { code: freshCode() });
  assert.equal(added.status, 200);
  assert.deepEqual(await names(), ['Laptop']);
  assert.equal(audits('passkey.registered').at(-1)?.confirmed_with, 'totp');
  await services().passkeys.removeOne(ADMIN.user, key.id);
});

test('a step passed a minute ago does not remove a passkey: the removal asks again, and it stays', async () => {
  const key = await registered('Kept');
  harness.clock.advance(60_000);
  // The list's own token: the removal is posted as the list page's button once posted it.
  const csrf = formField((await browser.get(PASSKEYS)).text, 'csrf_token') ?? '';
  const refused = await remove(csrf, key.id, {});
  assert.equal(refused.status, 403);
  assert.deepEqual(await names(), ['Kept']);
  assert.deepEqual(audits('enrollment.refused').at(-1), {
    ...audits('enrollment.refused').at(-1),
    reason: 'no second step',
    change: 'passkey remove',
    passkey: key.id,
  });
  // Not even a step passed just now for the session (a path rule's step-up) stands in for it.
  assert.equal((await browser.post('/_gateway/step-up', { csrf_token: csrf, code: freshCode() })).location, '/');
  assert.equal((await remove(csrf, key.id, {})).status, 403);
  assert.deepEqual(await names(), ['Kept']);
  await services().passkeys.removeOne(ADMIN.user, key.id);
});

test('a TOTP code in the removal form removes the passkey', async () => {
  const key = await registered('Phone');
  const { csrf } = await removalPage(key.id);
  assert.equal((await remove(csrf, key.id, { code: '123456' })).status, 401);
  assert.deepEqual(await names(), ['Phone']);
  const removed = await remove(csrf, key.id, { code: freshCode() });
  assert.equal(removed.status, 200);
  assert.deepEqual(await names(), []);
  assert.equal(audits('passkey.removed').at(-1)?.confirmed_with, 'totp');
});

test('a recovery code removes a passkey once: spent, it removes no other', async () => {
  const first = await registered('First');
  const second = await registered('Second');
  const [code] = recoveryCodes as [string];
  const page = await removalPage(first.id);
  assert.equal((await remove(page.csrf, first.id, { code })).status, 200);
  assert.deepEqual(await names(), ['Second']);
  assert.equal(audits('passkey.removed').at(-1)?.confirmed_with, 'recovery_code');
  assert.equal((await remove(page.csrf, second.id, { code })).status, 401);
  assert.deepEqual(await names(), ['Second']);
  await services().passkeys.removeOne(ADMIN.user, second.id);
});

test('a passkey answering the challenge made for "remove X" removes X, nothing else, and once', async () => {
  const x = await registered('X');
  const y = await registered('Y');
  const forX = await removalPage(x.id);
  const answer = x.assert(forX.options);

  // Not Y, even while Y's removal page has a challenge of its own.
  await removalPage(y.id);
  const wrongChange = await remove(forX.csrf, y.id, { passkey_response: answer });
  assert.equal(wrongChange.status, 401);
  assert.deepEqual(await names(), ['X', 'Y']);

  // Not a login: a pending login's step-up has its own challenge.
  const other = harness.browser();
  assert.equal((await other.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
  const login = await other.post('/_gateway/step-up', {
    csrf_token: await other.gatewayCsrf('/_gateway/step-up'),
    passkey_response: answer,
  });
  assert.equal(login.status, 401);
  assert.equal(login.location, undefined);

  // Not adding a passkey either.
  const z = new Passkey();
  assert.equal((await addPasskey(z, 'Z', { confirm_response: answer })).status, 401);
  assert.deepEqual(await names(), ['X', 'Y']);

  // X.
  const removed = await remove(forX.csrf, x.id, { passkey_response: answer });
  assert.equal(removed.status, 200);
  assert.deepEqual(await names(), ['Y']);
  assert.equal(audits('passkey.removed').at(-1)?.confirmed_with, 'passkey');

  // Once: a challenge is taken with the first answer, right or wrong. An answer for Y's removal
  // sent spoiled spends it; the same answer unspoiled is then refused (to a challenge no longer
  // kept: the refusal's page made a new one), and Y stays.
  const forY = await removalPage(y.id);
  const yAnswer = y.assert(forY.options);
  const parsed = JSON.parse(yAnswer) as { response: Record<string, string> };
  const spoiled = JSON.stringify({ ...parsed, response: { ...parsed.response, signature: 'AAAA' } });
  assert.equal((await remove(forY.csrf, y.id, { passkey_response: spoiled })).status, 401);
  assert.equal((await remove(forY.csrf, y.id, { passkey_response: yAnswer })).status, 401);
  assert.deepEqual(await names(), ['Y']);
  assert.equal(audits('step_up.failed').at(-1)?.check, 'passkey');
  await services().passkeys.removeOne(ADMIN.user, y.id);
});

test('a passkey answering the challenge made for adding one adds a passkey, once', async () => {
  const held = await registered('Held');
  const page = await browser.get(PASSKEYS);
  const confirm = pageOptions(page.text, 'passkey-options-confirm');
  const register = pageOptions<Parameters<Passkey['register']>[0]>(page.text, 'passkey-options-register');
  assert.ok(confirm && register);
  const answer = held.assert(confirm);
  const added = new Passkey();
  const posted = await browser.post(PASSKEYS, {
    csrf_token: formField(page.text, 'csrf_token') ?? '',
    name: 'Added',
    passkey_response: added.register(register),
    confirm_response: answer,
  });
  assert.equal(posted.status, 200);
  assert.deepEqual(await names(), ['Held', 'Added']);
  assert.equal(audits('passkey.registered').at(-1)?.confirmed_with, 'passkey');
  assert.equal((await addPasskey(new Passkey(), 'Again', { confirm_response: answer })).status, 401);
  assert.deepEqual(await names(), ['Held', 'Added']);
  for (const key of [held, added]) await services().passkeys.removeOne(ADMIN.user, key.id);
});

test('renaming needs no step, keeps the passkey, is escaped, and audited', async () => {
  const key = await registered('Old name');
  const page = await browser.get(PASSKEYS);
  const csrf = formField(page.text, 'csrf_token') ?? '';
  const hostile = '<img src=x onerror=alert(1)>';
  const renamed = await browser.post('/_gateway/account/passkeys/rename', {
    csrf_token: csrf,
    passkey: key.id,
    name: hostile,
  });
  assert.equal(renamed.status, 200);
  assert.ok(!renamed.text.includes(hostile));
  assert.ok(renamed.text.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.deepEqual(await names(), [hostile]);
  assert.deepEqual(audits('enrollment.passkey_renamed').at(-1), {
    ...audits('enrollment.passkey_renamed').at(-1),
    user: ADMIN.user,
    passkey: key.id,
  });

  const rename = (form: Record<string, string>) => browser.post('/_gateway/account/passkeys/rename', form);
  assert.equal((await rename({ passkey: key.id, name: 'No token' })).status, 403);
  assert.equal((await rename({ csrf_token: csrf, passkey: key.id, name: '   ' })).status, 400);
  assert.equal((await rename({ csrf_token: csrf, passkey: 'not-mine', name: 'x' })).status, 404);
  assert.deepEqual(await names(), [hostile]);
  await services().passkeys.removeOne(ADMIN.user, key.id);
});

test('wrong steps at removal count towards the lockout (S15), and the passkey stays', async () => {
  const key = await registered('Guarded');
  const { csrf } = await removalPage(key.id);
  let status = 0;
  for (let tries = 0; tries < 10 && status !== 429; tries += 1) {
    status = (await remove(csrf, key.id, { code: '000000' })).status;
  }
  assert.equal(status, 429);
  assert.equal((await remove(csrf, key.id, { code: freshCode() })).status, 429);
  assert.deepEqual(await names(), ['Guarded']);
});

// The relying party passkeys are bound to: what WebAuthn would reject (an IP address, plain
// http off localhost, an RP ID the origin does not belong to) is a configuration error at its
// key, so check-config refuses it instead of every sign-in failing; an ordinary public origin
// that cannot carry passkeys only leaves them off.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatConfigError, parseConfig } from '../../src/config/load.js';
import { relyingParty, relyingPartyProblem } from '../../src/config/sections/passkeys.js';
import { allowedFactors } from '../../src/factors/enrolled-factor.js';

const base = { upstream: { url: 'http://127.0.0.1:3001' } };

async function parsed(config: unknown) {
  const result = await parseConfig(JSON.stringify(config));
  return result.ok
    ? { errors: [] as string[], config: result.config }
    : { errors: result.errors.map(formatConfigError) };
}

test('what WebAuthn accepts and refuses as an origin and RP ID', () => {
  const rows: Array<[string, string, RegExp | undefined]> = [
    ['https://login.example.com', 'login.example.com', undefined],
    ['https://login.example.com', 'example.com', undefined],
    ['https://login.example.com:8443', 'example.com', undefined],
    ['http://localhost:8080', 'localhost', undefined],
    ['https://192.0.2.10', '192.0.2.10', /IP address/],
    ['https://[2001:db8::1]', '2001:db8::1', /IP address/],
    ['https://login.example.com', '192.0.2.10', /IP address/],
    ['http://login.example.com', 'login.example.com', /not https/],
    ['https://login.example.com', 'other.example', /neither login\.example\.com nor a domain it belongs to/],
    ['https://login.example.com', 'ample.com', /neither/],
    ['https://login.example.com', 'com', /top-level/],
  ];
  for (const [origin, rpId, expected] of rows) {
    const problem = relyingPartyProblem(origin, rpId);
    if (expected === undefined) assert.equal(problem, undefined, `${origin} ${rpId}`);
    else assert.match(problem ?? '', expected, `${origin} ${rpId}`);
  }
});

test('an RP ID or origin WebAuthn would reject is refused at its key', async () => {
  const ip = await parsed({ ...base, passkeys: { origin: 'https://192.0.2.10' } });
  assert.deepEqual(ip.errors.length, 1);
  assert.match(ip.errors[0] as string, /^passkeys\.origin: WebAuthn does not bind passkeys to an IP address/);
  const mismatch = await parsed({ ...base, passkeys: { origin: 'https://login.example.com', rp_id: 'example.org' } });
  assert.match(mismatch.errors[0] as string, /^passkeys\.rp_id: rp_id example\.org is neither/);
  const fromPublic = await parsed({
    ...base,
    upstream: { ...base.upstream, rewrite: { public_origin: 'http://gateway.example.com' } },
    policy: { admin: { second_step: 'required', factors: ['passkey'] } },
  });
  assert.match(fromPublic.errors[0] as string, /^passkeys\.origin: http:\/\/gateway\.example\.com is not https/);
});

test('a role that names passkeys needs an origin', async () => {
  const { errors } = await parsed({
    ...base,
    policy: { admin: { second_step: 'required', factors: ['totp', 'passkey'] } },
  });
  assert.equal(errors.length, 1);
  assert.match(errors[0] as string, /^policy\.admin\.factors: passkey needs an origin/);
});

test('without a usable origin passkeys are simply off; a role lists what it may use', async () => {
  const plain = await parsed({
    ...base,
    upstream: { ...base.upstream, rewrite: { public_origin: 'http://127.0.0.1:8080' } },
  });
  assert.deepEqual(plain.errors, []);
  assert.ok(plain.config);
  assert.equal(relyingParty(plain.config.passkeys, plain.config.upstream.rewrite.public_origin), undefined);
  assert.deepEqual(allowedFactors(plain.config, 'admin'), ['totp', 'questions']);

  const on = await parsed({
    ...base,
    passkeys: { origin: 'https://login.example.com', rp_id: 'example.com' },
    policy: { admin: { second_step: 'required', factors: ['totp', 'passkey'] } },
  });
  assert.deepEqual(on.errors, []);
  assert.ok(on.config);
  assert.deepEqual(relyingParty(on.config.passkeys, undefined), {
    id: 'example.com',
    origin: 'https://login.example.com',
    name: 'Login gateway',
  });
  assert.deepEqual(allowedFactors(on.config, 'admin'), ['totp', 'passkey']);
  assert.deepEqual(allowedFactors(on.config, 'staff'), ['totp', 'passkey', 'questions']);
});

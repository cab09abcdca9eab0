// The TOTP arithmetic: RFC 6238 vectors, the +-1 step window, code parsing, secrets and URIs.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateSync } from 'otplib';
import { createSecret, matchStep, otpauthUri, parseCode } from '../../src/factors/totp/totp-code.js';

// RFC 6238 Appendix B's SHA-1 seed, ASCII "12345678901234567890", in base32.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const STEP_MS = 30_000;
const codeAt = (secret: string, step: number) => generateSync({ secret, epoch: step * 30 });

describe('RFC 6238 Appendix B (SHA-1, last 6 of the 8 digits: the same HOTP value mod 10^6)', () => {
  const vectors: [seconds: number, code: string][] = [
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
    [20000000000, '353130'],
  ];
  for (const [seconds, code] of vectors) {
    test(`T=${seconds}s gives ${code} at step ${Math.floor(seconds / 30)}`, () => {
      assert.equal(matchStep(RFC_SECRET, code, seconds * 1000), Math.floor(seconds / 30));
    });
  }
});

describe('the window is one step either side', () => {
  const secret = createSecret();
  const step = 55_000_000;
  const middle = step * STEP_MS + 15_000;

  test('steps -1, 0 and +1 match and name their own step', () => {
    for (const offset of [-1, 0, 1])
      assert.equal(matchStep(secret, codeAt(secret, step + offset), middle), step + offset);
  });

  test('steps -2 and +2 are refused', () => {
    for (const offset of [-2, 2]) assert.equal(matchStep(secret, codeAt(secret, step + offset), middle), undefined);
  });

  test('at the first millisecond of a step the step two back is already refused', () => {
    const start = step * STEP_MS;
    assert.equal(matchStep(secret, codeAt(secret, step - 1), start), step - 1);
    assert.equal(matchStep(secret, codeAt(secret, step - 2), start), undefined);
  });

  test('at the last millisecond of a step the step two ahead is still refused', () => {
    const end = (step + 1) * STEP_MS - 1;
    assert.equal(matchStep(secret, codeAt(secret, step + 1), end), step + 1);
    assert.equal(matchStep(secret, codeAt(secret, step + 2), end), undefined);
  });
});

describe('parsing a typed code', () => {
  const accepted: [input: string, code: string][] = [
    ['287082', '287082'],
    ['287 082', '287082'],
    ['  287082 ', '287082'],
    ['2 8 7\t0 8 2', '287082'],
    ['000000', '000000'],
  ];
  for (const [input, code] of accepted) {
    test(`${JSON.stringify(input)} reads as ${code}`, () => assert.equal(parseCode(input), code));
  }

  const malformed = [
    '',
    '28708',
    '2870822',
    '28708a',
    '287-082',
    '+287082',
    '28.7082',
    '２８７０８２', // fullwidth digits
    '٢٨٧٠٨٢', // Arabic-Indic digits
    '287082\u0000',
  ];
  for (const input of malformed) {
    test(`${JSON.stringify(input)} is malformed and never matches`, () => {
      assert.equal(parseCode(input), undefined);
      assert.equal(matchStep(RFC_SECRET, input, 59_000), undefined);
    });
  }

  test('a spaced code matches like the plain one', () => {
    assert.equal(matchStep(RFC_SECRET, '287 082', 59_000), 1);
  });
});

describe('secrets', () => {
  test('are 160 bits of unpadded base32 and differ each time', () => {
    const secret = createSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/); // 32 characters x 5 bits = 160 bits
    assert.notEqual(createSecret(), secret);
  });

  test('round-trip through an authenticator-style generator', () => {
    const secret = createSecret();
    const now = Date.UTC(2030, 0, 1);
    assert.equal(matchStep(secret, generateSync({ secret, epoch: now / 1000 }), now), now / STEP_MS);
  });
});

describe('the otpauth URI', () => {
  test('names issuer, account and the parameters Google Authenticator reads', () => {
    const uri = new URL(otpauthUri('Invoices Gateway', 'alice', RFC_SECRET));
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(decodeURIComponent(uri.pathname), '/Invoices Gateway:alice');
    assert.deepEqual(Object.fromEntries(uri.searchParams), {
      secret: RFC_SECRET,
      issuer: 'Invoices Gateway',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });

  test('percent-encodes the account so that its ":" cannot move the issuer boundary', () => {
    const uri = otpauthUri('Gateway', 'a:b c@d', RFC_SECRET);
    assert.ok(uri.startsWith('otpauth://totp/Gateway:a%3Ab%20c%40d?'));
  });

  test('refuses an issuer with ":" or an empty one', () => {
    assert.throws(() => otpauthUri('Acme:Invoices', 'alice', RFC_SECRET));
    assert.throws(() => otpauthUri('', 'alice', RFC_SECRET));
  });
});

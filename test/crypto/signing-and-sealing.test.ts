// S4 and S6 building blocks: signatures and sealed values refuse every tampering, foreign
// keys and malformed input, and survive key rotation.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { createSealer } from '../../src/crypto/sealing.js';
import { createSigner } from '../../src/crypto/signing.js';

const key = () => randomBytes(32);

/** The token with one character of its signature changed (the second-to-last: every bit of it counts). */
function flipSignature(token: string): string {
  const at = token.length - 2;
  return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
}

describe('signer', () => {
  const [a, b] = [key(), key()];
  const signer = createSigner([a]);

  test('verifies what it signed', () => assert.equal(signer.verify(signer.sign('session-id')), 'session-id'));

  test('refuses a tampered value or signature', () => {
    const token = signer.sign('session-id');
    assert.equal(signer.verify(token.replace('session-id', 'session-ie')), undefined);
    assert.equal(signer.verify(flipSignature(token)), undefined);
  });

  test('refuses a signature made with a key it does not hold', () => {
    assert.equal(signer.verify(createSigner([b]).sign('session-id')), undefined);
  });

  test('rotation: a new first key signs, the old one still verifies', () => {
    const rotated = createSigner([b, a]);
    assert.equal(rotated.verify(signer.sign('old')), 'old');
    assert.equal(signer.verify(rotated.sign('new')), undefined);
  });

  test('malformed tokens are no session, never an exception', () => {
    for (const token of ['', '.', 'x.', '.x', 'a.b.c', 'value.%%%', 'v'.repeat(10_000), `v.${'A'.repeat(43)}`]) {
      assert.equal(signer.verify(token), undefined, token.slice(0, 20));
    }
  });

  test('a token verified before still refuses its tampered spellings (only verified tokens are remembered)', () => {
    const fresh = createSigner([a]);
    const token = fresh.sign('remembered');
    assert.equal(fresh.verify(token), 'remembered');
    assert.equal(fresh.verify(token), 'remembered');
    assert.equal(fresh.verify(flipSignature(token)), undefined);
    assert.equal(fresh.verify(`${token}=`), undefined);
    assert.equal(fresh.verify(token.replace('remembered', 'rememberee')), undefined);
  });

  test('past the bound of remembered tokens the oldest still verifies (again in full)', () => {
    const fresh = createSigner([a]);
    const first = fresh.sign('first');
    assert.equal(fresh.verify(first), 'first');
    for (let i = 0; i < 10_050; i++) fresh.verify(fresh.sign(`v${i}`));
    assert.equal(fresh.verify(first), 'first');
  });

  test('a token names its key: another held key under that name, or a name held by no key, is refused', () => {
    const rotated = createSigner([b, a]);
    const token = signer.sign('session-id');
    const [value, id, signature] = token.split('.');
    const otherId = rotated.sign('x').split('.')[1] as string;
    assert.notEqual(otherId, id);
    assert.equal(rotated.verify(`${value}.${otherId}.${signature}`), undefined);
    assert.equal(rotated.verify(`${value}.AAAAAAAA.${signature}`), undefined);
    assert.equal(rotated.verify(`${value}.${signature}`), undefined, 'a token without a key id');
    assert.equal(rotated.verify(token), 'session-id');
  });

  test('short keys are refused at construction', () => {
    assert.throws(() => createSigner([]));
    assert.throws(() => createSigner([Buffer.alloc(16)]));
  });
});

describe('sealer', () => {
  const [a, b] = [key(), key()];
  const sealer = createSealer([a]);

  test('opens what it sealed, in the same context only', () => {
    const token = sealer.seal('JBSWY3DPEHPK3PXP', 'totp:alice');
    assert.equal(sealer.open(token, 'totp:alice')?.toString(), 'JBSWY3DPEHPK3PXP');
    assert.equal(sealer.open(token, 'totp:bob'), undefined);
  });

  test('the sealed form does not contain the plaintext, and sealing twice differs', () => {
    const one = sealer.seal('JBSWY3DPEHPK3PXP', 'c');
    assert.ok(!Buffer.from(one, 'base64url').includes('JBSWY3DPEHPK3PXP'));
    assert.notEqual(one, sealer.seal('JBSWY3DPEHPK3PXP', 'c'));
  });

  test('every flipped byte is refused', () => {
    const raw = Buffer.from(sealer.seal('secret', 'c'), 'base64url');
    for (let i = 0; i < raw.length; i++) {
      const copy = Buffer.from(raw);
      copy[i] = (copy[i] as number) ^ 0x01;
      assert.equal(sealer.open(copy.toString('base64url'), 'c'), undefined, `byte ${i}`);
    }
  });

  test('rotation: the old key still opens, a foreign key never does', () => {
    const token = sealer.seal('v', 'c');
    assert.equal(createSealer([b, a]).open(token, 'c')?.toString(), 'v');
    assert.equal(createSealer([b]).open(token, 'c'), undefined);
  });

  test('malformed tokens open to nothing', () => {
    for (const token of ['', 'AAAA', '%%%', 'A'.repeat(100)]) assert.equal(sealer.open(token, 'c'), undefined);
  });
});

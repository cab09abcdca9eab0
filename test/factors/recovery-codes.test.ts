// Recovery codes: ten single-use codes, kept only as keyed digests, forgiving in how they are typed.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { createRecoveryCodes, type RecoveryCodes } from '../../src/factors/recovery-codes.js';
import { totpSecretKey } from '../../src/factors/user-keys.js';
import { createMemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';

/** The codes, their store, and `issue`: fresh codes written as a first factor's enrollment writes them. */
function setup(): { codes: RecoveryCodes; store: Store; issue(user: string): Promise<readonly string[]> } {
  const store = createMemoryStore();
  const codes = createRecoveryCodes({ store, key: randomBytes(32) });
  const issue = async (user: string) => {
    // No other factor of the kind holds codes (no TOTP secret is stored): ten fresh ones.
    const issued = await codes.issueWithFirst(user, [], totpSecretKey(user));
    assert.ok(issued, 'written');
    return issued;
  };
  return { codes, store, issue };
}

describe('issuing', () => {
  test('gives ten distinct codes of ten base32 characters, shown as XXXXX-XXXXX', async () => {
    const { codes, issue } = setup();
    const issued = await issue('alice');
    assert.equal(issued.length, 10);
    for (const code of issued) assert.match(code, /^[A-Z2-7]{5}-[A-Z2-7]{5}$/);
    assert.equal(new Set(issued).size, 10);
    assert.equal(await codes.remaining('alice'), 10);
  });

  test('keeps no code in clear, only digests', async () => {
    const { issue, store } = setup();
    const issued = await issue('alice');
    const stored = (await store.members('recovery:{u:alice}')).join('\n');
    for (const code of issued) {
      assert.ok(!stored.includes(code));
      assert.ok(!stored.includes(code.replace('-', '')));
    }
  });

  test('a new set replaces the old one', async () => {
    const { codes, issue } = setup();
    const [old] = await issue('alice');
    await issue('alice');
    assert.equal(await codes.remaining('alice'), 10);
    assert.equal(await codes.consume('alice', old as string), false);
  });

  test('needs a 32-byte key', () => {
    assert.throws(() => createRecoveryCodes({ store: createMemoryStore(), key: randomBytes(16) }));
  });
});

describe('consuming', () => {
  test('each code works exactly once', async () => {
    const { codes, issue } = setup();
    const issued = await issue('alice');
    for (const [index, code] of issued.entries()) {
      assert.equal(await codes.consume('alice', code), true);
      assert.equal(await codes.consume('alice', code), false);
      assert.equal(await codes.remaining('alice'), 9 - index);
    }
  });

  test('20 concurrent uses of one code: exactly one succeeds', async () => {
    const { codes, issue } = setup();
    const [code] = await issue('alice');
    const results = await Promise.all(Array.from({ length: 20 }, () => codes.consume('alice', code as string)));
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(await codes.remaining('alice'), 9);
  });

  test("one user's code does nothing for another", async () => {
    const { codes, issue } = setup();
    const [alices] = await issue('alice');
    await issue('bob');
    assert.equal(await codes.consume('bob', alices as string), false);
    assert.equal(await codes.remaining('bob'), 10);
  });

  test('none are issued while the other factor of the kind holds them; the removal deletes the set', async () => {
    const { codes, issue, store } = setup();
    await store.set(totpSecretKey('alice'), 'sealed');
    assert.deepEqual(await codes.issueWithFirst('alice', [], totpSecretKey('alice')), []);
    assert.equal(await codes.remaining('alice'), 0);
    await store.delete(totpSecretKey('alice'));
    const [code] = await issue('alice');
    await store.writeAll([codes.removal('alice')]);
    assert.equal(await codes.remaining('alice'), 0);
    assert.equal(await codes.consume('alice', code as string), false);
  });
});

describe('how a code may be typed', () => {
  const rows: [name: string, spell: (code: string) => string, accepted: boolean][] = [
    ['as shown', (code) => code, true],
    ['lower case', (code) => code.toLowerCase(), true],
    ['without the dash', (code) => code.replace('-', ''), true],
    ['with spaces', (code) => ` ${code.replace('-', ' ')} `, true],
    ['in mixed case with extra dashes', (code) => code.toLowerCase().replace(/(.)/g, '$1-'), true],
    ['missing a character', (code) => code.slice(1), false],
    ['with one more character', (code) => `${code}A`, false],
    ['with a digit outside base32', (code) => `0${code.slice(1)}`, false],
    ['empty', () => '', false],
  ];
  for (const [name, spell, accepted] of rows) {
    test(`${name}: ${accepted ? 'accepted' : 'refused'}`, async () => {
      const { codes, issue } = setup();
      const [code] = await issue('alice');
      assert.equal(await codes.consume('alice', spell(code as string)), accepted);
      assert.equal(await codes.remaining('alice'), accepted ? 9 : 10);
    });
  }

  test('non-ASCII letters that upper-case to ASCII ones are refused', async () => {
    const { codes, issue } = setup();
    // Dotless i and long s upper-case to I and S; issue until some code holds one of those.
    let code: string | undefined;
    while (!code) code = (await issue('alice')).find((issued) => /[IS]/.test(issued));
    const lookalike = code.replace(/I/g, '\u0131').replace(/S/g, '\u017F');
    assert.equal(lookalike.toUpperCase(), code);
    assert.equal(await codes.consume('alice', lookalike), false);
    assert.equal(await codes.consume('alice', code), true);
  });
});

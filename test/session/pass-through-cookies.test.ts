// The upstream cookies an operator lets the browser hold (login.pass_through_cookies) are told
// apart from the vault's by name, under the configuration in force: a reload's new list applies
// at once, though the names of a list are read once (issue 17).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { splitSetCookies } from '../../src/session/request-session.js';

describe('splitSetCookies', () => {
  const lines = ['theme=dark; Path=/', 'sessionid=abc; HttpOnly', 'lang=en'];

  test('pass-through names go to the browser, every other cookie to the vault', () => {
    const list = ['theme', 'lang'];
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(splitSetCookies(lines, list), {
        vault: ['sessionid=abc; HttpOnly'],
        client: ['theme=dark; Path=/', 'lang=en'],
      });
    }
  });

  test("a reloaded configuration's list applies at once", () => {
    assert.deepEqual(splitSetCookies(lines, ['theme']).client, ['theme=dark; Path=/']);
    assert.deepEqual(splitSetCookies(lines, ['lang']).client, ['lang=en']);
    assert.deepEqual(splitSetCookies(lines, []).client, []);
  });
});

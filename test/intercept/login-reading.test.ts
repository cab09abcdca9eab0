// S1 and S2 decisions at login, as tables: one canonical username per person, no login body
// that the gateway and the app could read differently, and a verdict that fails closed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalUsername } from '../../src/config/username.js';
import { classifyLoginAnswer, type FailureSignals } from '../../src/intercept/classify.js';
import { hasDuplicateKeys } from '../../src/intercept/json-keys.js';
import { type LoginFields, queryCarriesCredentials, readLoginUsername } from '../../src/intercept/login-body.js';

const FIELDS: LoginFields = { username: 'username', password: 'password', multipart: false };

describe('canonicalUsername', () => {
  const rows: Array<[string, string | undefined]> = [
    ['alice', 'alice'],
    ['Alice', 'alice'],
    ['  ALICE  ', 'alice'],
    ['\uff41\uff4c\uff49\uff43\uff45', 'alice'], // fullwidth
    ['ａｌｉｃｅ', 'alice'],
    ['Ålice', 'ålice'],
    ['A\u030alice', 'ålice'], // combining ring folds to the precomposed letter under NFKC
    ['', undefined],
    ['   ', undefined],
    ['ali\u200bce', undefined], // zero-width space
    ['ali\u0000ce', undefined],
    ['a'.repeat(300), undefined],
  ];
  for (const [raw, expected] of rows) {
    test(`${JSON.stringify(raw).slice(0, 30)} -> ${expected}`, () => assert.equal(canonicalUsername(raw), expected));
  }
});

describe('readLoginUsername', () => {
  const form = 'application/x-www-form-urlencoded';
  const read = (type: string | undefined, body: string | Buffer) =>
    readLoginUsername({ contentType: type, body: Buffer.from(body), search: '' }, FIELDS);
  const rows: Array<[string | undefined, string | Buffer, string | number]> = [
    [form, 'username=alice&password=x', 'alice'],
    [`${form}; charset=UTF-8`, 'username=al%69ce&password=x', 'alice'],
    [form, 'username=alice&username=bob', 400],
    [form, 'username=alice&user%6Eame=bob', 400],
    [form, 'password=x', 400],
    ['application/json', '{"username":"alice","password":"x"}', 'alice'],
    ['application/json', '{"username":"alice","username":"bob"}', 400],
    ['application/json', '{"username":"alice","user\\u006eame":"bob"}', 400],
    ['application/json', '{"username":["alice","bob"]}', 400],
    ['application/json', '{"username":{"$ne":null}}', 400],
    ['application/json', '["alice"]', 400],
    ['application/json', '{"username":', 400],
    ['application/vnd.api+json', '{"username":"alice"}', 'alice'],
    ['multipart/form-data; boundary=x', '--x\r\n', 400], // login.multipart is off
    [form, '{"username":"alice","password":"x"}', 400], // a "form" that is JSON
    [form, '  [{"username":"alice"}]', 400],
    [form, 'username=al%FFice&password=x', 400], // not valid UTF-8
    [form, Buffer.from([...Buffer.from('username=al'), 0xc3, 0x28, ...Buffer.from('ice')]), 400],
    ['application/json', '{"username":"al\\ud800ice"}', 400], // a lone surrogate
    ['application/json', '{"username":"alice"}{"username":"bob"}', 400], // not one object
    ['application/json', '"alice"', 400],
    [form, '', 400],
    ['text/plain', 'username=alice', 415],
    [undefined, 'username=alice', 415],
    [`${form}; charset=utf-7`, 'username=+AGE-lice', 415],
    ['application/json; charset=utf-7', '{"username":"+AGE-lice"}', 415],
    [`${form}; charset="UTF-8"`, 'username=alice', 'alice'],
    [form, 'username=nobody&%20username=alice', 400],
    [form, 'username=nobody&+username=alice', 400],
  ];
  for (const [type, body, expected] of rows) {
    test(`${type ?? '(none)'} ${body.toString().slice(0, 40)} -> ${expected}`, async () => {
      const result = await read(type, body);
      if (typeof expected === 'string') assert.deepEqual(result, { ok: true, username: expected });
      else assert.equal(result.ok ? 'ok' : result.status, expected);
    });
  }
});

describe('readLoginUsername refuses what another framework reads differently', () => {
  const form = 'application/x-www-form-urlencoded';
  const rows: Array<[string, string, string, string, string | number]> = [
    ['a username in the query (servlets and Flask read it first)', 'username', '?username=alice', 'username=bob', 400],
    ['an encoded username in the query', 'username', '?user%6Eame=alice', 'username=bob', 400],
    ['another query is fine', 'username', '?next=%2Fdashboard', 'username=bob', 'bob'],
    [
      'a username in the query alone is read there (a GET login)',
      'username',
      '?username=alice&password=x',
      '',
      'alice',
    ],
    ['twice in the query', 'username', '?username=alice&username=bob', '', 400],
    ['PHP reads "user.name" as "user_name"', 'user_name', '', 'user_name=bob&user.name=alice', 400],
    ['PHP reads "user name" as "user_name"', 'user_name', '', 'user%20name=alice', 400],
    ['a Rails nested name is read as written', 'user[email]', '', 'user%5Bemail%5D=bob%40x', 'bob@x'],
  ];
  for (const [name, field, search, body, expected] of rows) {
    test(name, async () => {
      const result = await readLoginUsername(
        { contentType: form, body: Buffer.from(body), search },
        { ...FIELDS, username: field },
      );
      if (typeof expected === 'string') assert.deepEqual(result, { ok: true, username: expected });
      else assert.equal(result.ok ? 'ok' : result.status, expected);
    });
  }
});

describe('readLoginUsername with login.multipart on', () => {
  const type = 'multipart/form-data; boundary=XX';
  const part = (name: string, value: string, extra = '') =>
    `--XX\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n${value}\r\n`;
  const rows: Array<[string, string, string | number]> = [
    ['one username', `${part('username', 'alice')}${part('password', 'x')}--XX--\r\n`, 'alice'],
    ['twice', `${part('username', 'alice')}${part('username', 'bob')}--XX--\r\n`, 400],
    ['as a file', `${part('username', 'alice', '; filename="a.txt"')}--XX--\r\n`, 400],
    ['PHP-folded name', `${part('username', 'alice')}${part(' username', 'bob')}--XX--\r\n`, 400],
    ['malformed', 'garbage', 400],
  ];
  for (const [name, body, expected] of rows) {
    test(name, async () => {
      const result = await readLoginUsername(
        { contentType: type, body: Buffer.from(body), search: '' },
        { ...FIELDS, multipart: true },
      );
      if (typeof expected === 'string') assert.deepEqual(result, { ok: true, username: expected });
      else assert.equal(result.ok ? 'ok' : result.status, expected);
    });
  }
});

describe('queryCarriesCredentials', () => {
  const rows: Array<[string, boolean]> = [
    ['', false],
    ['?', false],
    ['?next=%2Fdashboard', false],
    ['?username=alice', true],
    ['?password=x', true],
    ['?user%6Eame=alice', true],
    ['?%20password=x', true],
    ['?usernames=x', false],
  ];
  for (const [search, expected] of rows)
    test(`${search || '(none)'} -> ${expected}`, () => assert.equal(queryCarriesCredentials(search, FIELDS), expected));
});

describe('hasDuplicateKeys', () => {
  const rows: Array<[string, boolean]> = [
    ['{"a":1,"b":2}', false],
    ['{"a":1,"a":2}', true],
    ['{"a":{"a":1}}', false],
    ['{"a":[{"b":1},{"b":2}]}', false],
    ['{"x":{"b":1,"b":2}}', true],
    ['{"a":"\\"a\\":","a":1}', true],
    ['{"s":"{\\"a\\":1,\\"a\\":2}"}', false],
    ['["a","a"]', false],
  ];
  for (const [text, expected] of rows)
    test(`${text} -> ${expected}`, () => assert.equal(hasDuplicateKeys(text), expected));
});

describe('classifyLoginAnswer fails closed', () => {
  const signals: FailureSignals = {
    statuses: [401, 403, 422],
    redirectPaths: ['/login'],
    bodyContains: 'Invalid username',
  };
  const rows: Array<[string, number, string | undefined, string, 'failure' | 'success']> = [
    ['redirect to the dashboard', 302, '/dashboard', '', 'success'],
    ['redirect back to the login page', 302, '/login', '', 'failure'],
    ['200 page with the failure text', 200, undefined, '<p>Invalid username or password</p>', 'failure'],
    ['200 page without it', 200, undefined, '<h1>Welcome</h1>', 'success'],
    ['401 JSON', 401, undefined, '{"ok":false}', 'failure'],
    ['server error: not clearly a failure', 500, undefined, 'oops', 'success'],
    ['redirect off-site (no routing path)', 302, undefined, '', 'success'],
    ['unexpected 204', 204, undefined, '', 'success'],
  ];
  for (const [name, status, locationPath, body, expected] of rows) {
    test(name, () => {
      const verdict = classifyLoginAnswer({ status, locationPath, body: Buffer.from(body) }, signals);
      assert.equal(verdict.outcome, expected);
    });
  }
});

// A wrong second step says one generic thing with a 401, whatever was wrong (S5): a wrong
// code, a malformed one, a replayed one, a wrong recovery code; the pending login survives
// a few of them and a right code still passes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;
let secret: string;

before(async () => {
  harness = await startLoginHarness();
  ({ secret } = await harness.enrollAdmin());
});
after(() => harness.close());

const GENERIC = 'That code did not work. Please try again.';

test('every kind of wrong code gets the same 401 page', async () => {
  const browser = harness.browser();
  await browser.login(ADMIN.user, ADMIN.password);
  const right = harness.code(secret);
  const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
  const attempts = {
    wrong,
    malformed: 'abc',
    // The enrollment's code, one step back: inside the window but spent.
    replayed: harness.code(secret, -1),
    'wrong recovery code': 'AAAAA-AAAAA',
  };
  const pages = new Set<string>();
  for (const [kind, code] of Object.entries(attempts)) {
    const answer = await browser.stepUp(code);
    assert.equal(answer.status, 401, kind);
    assert.ok(answer.text.includes(GENERIC), kind);
    pages.add(answer.text);
  }
  assert.equal(pages.size, 1, 'the pages are identical: nothing says which part failed');

  const passed = await browser.stepUp(right);
  assert.equal(passed.status, 302);
  assert.equal(passed.location, '/dashboard');
});

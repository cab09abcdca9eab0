// The text splice behind the YAML editor, as a table over the layouts people write: block and
// indentless lists, entries written as block mappings, flow collections, quoted keys, missing
// sections. Each row gives the text before and the exact text after.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { editAllowlistText } from '../../src/allowlist/yaml-text.js';
import type { AllowlistChange, AllowlistTarget } from '../../src/config/allowlist-data.js';

const staff: AllowlistTarget = { kind: 'list', name: 'staff' };
const add = (cidr: string, note?: string): AllowlistChange => ({ kind: 'add', entry: { cidr, note } });
const remove = (cidr: string): AllowlistChange => ({ kind: 'remove', cidr });

const ROWS: Array<[string, string, AllowlistChange, string, AllowlistTarget?]> = [
  [
    'an indentless list keeps its indentation',
    'allowlists:\n  lists:\n    staff:\n    - 10.0.0.0/8\n',
    add('192.0.2.7'),
    'allowlists:\n  lists:\n    staff:\n    - 10.0.0.0/8\n    - 192.0.2.7\n',
  ],
  [
    'an entry written as a block mapping is removed whole, the comment after it stays',
    'allowlists:\n  lists:\n    staff:\n      - cidr: 10.0.0.0/8\n        note: office\n      # end of staff\nx: 1\n',
    remove('10.0.0.0/8'),
    'allowlists:\n  lists:\n    staff: []\n      # end of staff\nx: 1\n',
  ],
  [
    'a non-canonical spelling in the file is the same range',
    'allowlists:\n  lists:\n    staff:\n      - 192.0.2.7/32   # desk\n      - 10.0.0.0/8\n',
    remove('192.0.2.7'),
    'allowlists:\n  lists:\n    staff:\n      - 10.0.0.0/8\n',
  ],
  [
    'a quoted key is found',
    'allowlists:\n  lists:\n    "staff": [10.0.0.0/8]\n',
    add('::1', 'v6'),
    'allowlists:\n  lists:\n    "staff": [ 10.0.0.0/8, { cidr: ::1, note: v6 } ]\n',
  ],
  [
    'an empty flow mapping under a block key becomes a block mapping',
    'allowlists:\n  lists: {}\n  source: yaml\n',
    add('192.0.2.7', 'a, b: c'),
    'allowlists:\n  lists:\n    staff:\n      - { cidr: 192.0.2.7, note: "a, b: c" }\n  source: yaml\n',
  ],
  [
    'a flow section is rewritten in flow style',
    'allowlists: { lists: { staff: [10.0.0.0/8] } }\n',
    add('192.0.2.7'),
    'allowlists: { lists: { staff: [ 10.0.0.0/8, 192.0.2.7 ] } }\n',
  ],
  [
    "a user's list is added under users",
    'allowlists:\n  users:\n    dave: []\n',
    add('192.0.2.7'),
    'allowlists:\n  users:\n    dave: []\n    erin:\n      - 192.0.2.7\n',
    { kind: 'user', name: 'erin' },
  ],
];

for (const [what, before, change, after, target] of ROWS) {
  test(what, () => {
    const edited = editAllowlistText(before, target ?? staff, change);
    assert.ok(edited.ok, edited.ok ? '' : edited.message);
    assert.equal(edited.value.text, after);
  });
}

test('nothing to do leaves the text as it is', () => {
  const text = 'allowlists:\n  lists:\n    staff:\n      - { cidr: 10.0.0.0/8, note: office }\n';
  for (const change of [add('10.0.0.0/8', 'office'), remove('192.0.2.7')]) {
    const edited = editAllowlistText(text, staff, change);
    assert.ok(edited.ok);
    assert.equal(edited.value.text, text);
  }
  const missing = editAllowlistText('upstream: {}\n', staff, remove('192.0.2.7'));
  assert.ok(missing.ok);
  assert.equal(missing.value.text, 'upstream: {}\n');
});

test('a layout that is not a mapping is refused, not guessed', () => {
  const edited = editAllowlistText('allowlists:\n  lists: [staff]\n', staff, add('192.0.2.7'));
  assert.deepEqual(edited, {
    ok: false,
    message: 'allowlists.lists is written in a form this editor cannot change safely: edit it by hand',
  });
});

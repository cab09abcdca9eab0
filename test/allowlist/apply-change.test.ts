// The change both the CLI and the admin page make (apply-change.ts): what it audits and says for
// an add, a note changed, an entry already there, a removal; a removal the editor reports as
// nothing removed (false) is refused and audited as no removal.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyAllowlistChange } from '../../src/allowlist/apply-change.js';
import type { AllowlistEditor } from '../../src/allowlist/editor.js';
import type { AllowlistData, AllowlistEntry, AllowlistTarget } from '../../src/config/allowlist-data.js';

const staff: AllowlistTarget = { kind: 'list', name: 'staff' };
const data: AllowlistData = { lists: { staff: [{ cidr: '10.0.0.0/8', note: 'office' }] }, users: {} };

/** An editor that records its calls; `removes` is what remove() answers. */
function fakeEditor(removes = true) {
  const calls: string[] = [];
  const editor: AllowlistEditor = {
    source: 'yaml',
    read: async () => data,
    add: async (target, entry: AllowlistEntry) => {
      calls.push(`add ${target.name} ${entry.cidr}`);
    },
    remove: async (target, cidr) => {
      calls.push(`remove ${target.name} ${cidr}`);
      return removes;
    },
    readOnlyReason: async () => undefined,
    close: async () => undefined,
  };
  return { editor, calls };
}

function run(editor: AllowlistEditor, change: Parameters<typeof applyAllowlistChange>[3]) {
  const audits: Array<[string, Record<string, unknown>]> = [];
  const outcome = applyAllowlistChange(editor, data, staff, change, (event, facts) => audits.push([event, facts]));
  return outcome.then((result) => ({ result, audits }));
}

test('an add is saved, audited and described; the same note again changes nothing', async () => {
  const { editor, calls } = fakeEditor();
  const added = await run(editor, { kind: 'add', entry: { cidr: '192.0.2.7', note: 'home' } });
  assert.deepEqual(added.result, { done: true, changed: true, text: 'list staff: added 192.0.2.7 (home); 2 entries' });
  assert.deepEqual(added.audits, [
    [
      'allowlist.entry_added',
      { list: 'staff', cidr: '192.0.2.7', source: 'yaml', note: 'home', previous_note: undefined },
    ],
  ]);
  const renoted = await run(editor, { kind: 'add', entry: { cidr: '10.0.0.0/8', note: 'HQ' } });
  assert.equal(renoted.result.done && renoted.result.text, 'list staff: changed the note of 10.0.0.0/8 (HQ); 1 entry');
  assert.equal(renoted.audits[0]?.[1].previous_note, 'office');
  const same = await run(editor, { kind: 'add', entry: { cidr: '10.0.0.0/8', note: 'office' } });
  assert.deepEqual(same.result, {
    done: true,
    changed: false,
    text: 'list staff: 10.0.0.0/8 is already there with that note; nothing changed',
  });
  assert.deepEqual(same.audits, []);
  assert.deepEqual(calls, ['add staff 192.0.2.7', 'add staff 10.0.0.0/8']);
});

test('a removal is saved and audited with the note it removed', async () => {
  const { editor } = fakeEditor(true);
  const removed = await run(editor, { kind: 'remove', cidr: '10.0.0.0/8' });
  assert.deepEqual(removed.result, {
    done: true,
    changed: true,
    text: 'list staff: removed 10.0.0.0/8; 0 entries left',
  });
  assert.deepEqual(removed.audits, [
    ['allowlist.entry_removed', { list: 'staff', cidr: '10.0.0.0/8', source: 'yaml', note: 'office' }],
  ]);
});

test('a range not in the list, or one the editor found nothing to remove of, is refused; no removal is audited', async () => {
  const { editor, calls } = fakeEditor(false);
  const absent = await run(editor, { kind: 'remove', cidr: '192.0.2.9' });
  assert.deepEqual(absent.result, {
    done: false,
    reason: 'not_found',
    text: '192.0.2.9 is not in list staff: nothing removed',
  });
  assert.deepEqual(calls, [], 'the editor is not asked');
  const lost = await run(editor, { kind: 'remove', cidr: '10.0.0.0/8' });
  assert.equal(lost.result.done, false);
  assert.equal(!lost.result.done && lost.result.reason, 'nothing_removed');
  assert.deepEqual(lost.audits, []);
});

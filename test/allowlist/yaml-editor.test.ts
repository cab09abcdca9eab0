// The YAML allowlist editor: a change touches only the lines of the list it edits (comments,
// quoting, blank lines and every other key stay byte for byte), the whole file must still load
// before it is written, a read-only file or folder is reported instead of failing, and the
// file is replaced atomically with its mode kept.

import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AllowlistEditRefusedError } from '../../src/allowlist/editor.js';
import { createYamlAllowlistEditor } from '../../src/allowlist/yaml-editor.js';
import { loadConfigFile } from '../../src/config/load.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'yaml-editor-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const HEAD = `# Hand-written: every byte outside the edited list must survive.
upstream:
    url: "http://127.0.0.1:3001"     # odd indentation and quotes, kept

policy:
  staff: { allowlist: office }

allowlists:
  lists:
    office:
      - 10.0.0.0/8        # head office
      # the VPN's exit
      - { cidr: 198.51.100.0/24, note: vpn }
`;
const TAIL = `    lab: [192.0.2.0/28]
  users:
    Bob:
      - 203.0.113.9

# trailing comment
trusted_proxies: []
`;
const FILE = HEAD + TAIL;

let n = 0;
async function fixture(text = FILE, mode = 0o640): Promise<string> {
  const file = join(dir, `gateway-${++n}.yaml`);
  await writeFile(file, text);
  await chmod(file, mode);
  return file;
}

const office = { kind: 'list', name: 'office' } as const;
const editorOf = (file: string) =>
  createYamlAllowlistEditor({ file, canonicalUser: (name: string) => name.toLowerCase() });

test('adding appends one line to the list, at its indentation; nothing else changes', async () => {
  const file = await fixture();
  await editorOf(file).add(office, { cidr: '192.0.2.7', note: "bob's home: #2" });
  assert.equal(await readFile(file, 'utf8'), `${HEAD}      - { cidr: 192.0.2.7, note: "bob's home: #2" }\n${TAIL}`);
  const loaded = await loadConfigFile(file);
  assert.ok(loaded.ok);
  assert.deepEqual(loaded.config.allowlists.lists.office?.at(-1), { cidr: '192.0.2.7', note: "bob's home: #2" });
});

test('adding a range that is there replaces its note in place, keeping the comment on its line', async () => {
  const file = await fixture();
  const editor = editorOf(file);
  await editor.add(office, { cidr: '10.0.0.0/8', note: 'HQ' });
  assert.equal(
    await readFile(file, 'utf8'),
    FILE.replace('- 10.0.0.0/8        #', '- { cidr: 10.0.0.0/8, note: HQ }        #'),
  );
  // Without a note the entry is a plain string again.
  await editor.add(office, { cidr: '10.0.0.0/8' });
  assert.equal(await readFile(file, 'utf8'), FILE);
});

test('removing takes out the entry line only', async () => {
  const file = await fixture();
  assert.equal(await editorOf(file).remove(office, '198.51.100.0/24'), true);
  assert.equal(await readFile(file, 'utf8'), FILE.replace('      - { cidr: 198.51.100.0/24, note: vpn }\n', ''));
  assert.equal(await editorOf(file).remove(office, '198.51.100.0/24'), false, 'not there any more');
});

test('removing the last entry leaves an empty list, not null; a flow list is rewritten as a flow list', async () => {
  const file = await fixture();
  const editor = editorOf(file);
  const lab = { kind: 'list', name: 'lab' } as const;
  await editor.add(lab, { cidr: '192.0.2.64/26', note: 'bench' });
  assert.match(
    await readFile(file, 'utf8'),
    /^ {4}lab: \[ 192\.0\.2\.0\/28, \{ cidr: 192\.0\.2\.64\/26, note: bench \} \]$/m,
  );
  await editor.remove(lab, '192.0.2.0/28');
  await editor.remove(lab, '192.0.2.64/26');
  assert.match(await readFile(file, 'utf8'), /^ {4}lab: \[\]$/m);
  const user = { kind: 'user', name: 'bob' } as const;
  assert.equal(await editor.remove(user, '203.0.113.9'), true, '"Bob:" in the file is bob');
  assert.match(await readFile(file, 'utf8'), /^ {4}Bob: \[\]$/m);
  const loaded = await loadConfigFile(file);
  assert.ok(loaded.ok, 'the file still loads');
  assert.deepEqual(loaded.config.allowlists.users, { Bob: [] });
});

test('a new list or user list is added under its section, which is created when missing', async () => {
  const file = await fixture();
  const editor = editorOf(file);
  await editor.add({ kind: 'list', name: 'night-shift' }, { cidr: '2001:db8::/48', note: 'v6' });
  await editor.add({ kind: 'user', name: 'carol' }, { cidr: '::1' });
  const text = await readFile(file, 'utf8');
  assert.ok(text.includes(`    lab: [192.0.2.0/28]\n    night-shift:\n      - { cidr: 2001:db8::/48, note: v6 }\n`));
  assert.ok(text.includes(`      - 203.0.113.9\n    carol:\n      - ::1\n\n# trailing comment`));

  const bare = await fixture('upstream:\n  url: http://127.0.0.1:3001 # no allowlists yet');
  await editorOf(bare).add(office, { cidr: '192.0.2.7' });
  assert.equal(
    await readFile(bare, 'utf8'),
    'upstream:\n  url: http://127.0.0.1:3001 # no allowlists yet\nallowlists:\n  lists:\n    office:\n      - 192.0.2.7\n',
  );
});

test('concurrent edits in one process are applied one after the other, none lost', async () => {
  const file = await fixture();
  const editor = editorOf(file);
  const cidrs = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5'];
  await Promise.all(cidrs.map((cidr) => editor.add(office, { cidr, note: `n${cidr}` })));
  const data = await editor.read();
  assert.deepEqual(
    data.lists.office?.map((entry) => entry.cidr),
    ['10.0.0.0/8', '198.51.100.0/24', ...cidrs],
  );
});

test('an entry that does not parse is refused with the model message; the file is not touched', async () => {
  const file = await fixture();
  const before = await stat(file);
  const editor = editorOf(file);
  await assert.rejects(
    editor.add(office, { cidr: '10.0.0.1/8' }),
    (error: Error) =>
      error instanceof AllowlistEditRefusedError &&
      error.message ===
        '"10.0.0.1/8" has bits set after the /8 prefix: write 10.0.0.0/8 for the range or 10.0.0.1 for the one address',
  );
  await assert.rejects(editor.add(office, { cidr: '192.0.2.7', note: 'two\nlines' }), /one line of text/);
  await assert.rejects(editor.add(office, { cidr: 'office-printer' }), /is not an IP address or CIDR range/);
  assert.equal(await readFile(file, 'utf8'), FILE);
  assert.equal((await stat(file)).mtimeMs, before.mtimeMs);
});

test('a change after which the file would not load is refused, and nothing is written', async () => {
  const file = await fixture();
  // The list name is the file's key: the gateway's schema refuses it, so the editor must too.
  await assert.rejects(
    editorOf(file).add({ kind: 'list', name: 'bad name' }, { cidr: '192.0.2.7' }),
    (error: Error) =>
      error instanceof AllowlistEditRefusedError &&
      /^the file would not load after this change: allowlists\.lists\.bad name: .+ \(line 16\)$/.test(error.message),
  );
  assert.equal(await readFile(file, 'utf8'), FILE);

  // A file that does not load now is not edited at all (the running gateway keeps its last good one).
  const broken = await fixture(`${FILE}unknown_section: 1\n`);
  await assert.rejects(
    editorOf(broken).add(office, { cidr: '192.0.2.7' }),
    /does not load as it stands: unknown_section: unknown key/,
  );
  assert.equal(await readFile(broken, 'utf8'), `${FILE}unknown_section: 1\n`);
});

test('a read-only file or folder is reported, and an edit is refused with the reason', async () => {
  const file = await fixture(FILE, 0o444);
  const editor = editorOf(file);
  assert.equal(await editor.readOnlyReason(), `${file} is read-only (mode 444)`);
  await assert.rejects(editor.add(office, { cidr: '192.0.2.7' }), (error: Error) => {
    return error instanceof AllowlistEditRefusedError && error.message === `${file} is read-only (mode 444)`;
  });
  assert.equal(await readFile(file, 'utf8'), FILE);

  const folder = await mkdtemp(join(dir, 'ro-'));
  const inside = join(folder, 'gateway.yaml');
  await writeFile(inside, FILE);
  await chmod(folder, 0o555);
  try {
    assert.match(
      (await editorOf(inside).readOnlyReason()) ?? '',
      /its folder .*ro-.* is read-only, and the file is replaced by a rename in it \(mode 555\)/,
    );
  } finally {
    await chmod(folder, 0o755);
  }
  assert.equal(await editorOf(await fixture()).readOnlyReason(), undefined, 'a writable file can be edited');
});

test('the file is replaced atomically: same mode, no temporary file left behind', async () => {
  // 0664 is not what a default umask (022) leaves: the mode is set, not masked.
  const file = await fixture(FILE, 0o664);
  const before = await stat(file);
  await editorOf(file).add(office, { cidr: '192.0.2.7' });
  const after = await stat(file);
  assert.equal(after.mode & 0o7777, 0o664);
  assert.notEqual(after.ino, before.ino, 'a new file renamed over the old one, never rewritten in place');
  assert.deepEqual(
    (await readdir(dir)).filter((name) => name.endsWith('.tmp')),
    [],
  );
});

test('two editors of one file in one process, adding at once, both succeed and both entries are there', async () => {
  const file = await fixture();
  // Each request of the admin page, the CLI module, a test: editors made apart still take turns on the file.
  const first = editorOf(file);
  const second = editorOf(file);
  const cidrs = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'];
  await Promise.all(cidrs.map((cidr, i) => (i % 2 ? second : first).add(office, { cidr })));
  assert.deepEqual(
    (await first.read()).lists.office?.map((entry) => entry.cidr),
    ['10.0.0.0/8', '198.51.100.0/24', ...cidrs],
  );
});

test('a user written under two keys that canonicalise alike: removal takes the range out of both', async () => {
  const users = 'allowlists:\n  users:\n    Bob: [203.0.113.9]\n    bob:\n      - 203.0.113.9\n      - 198.51.100.1\n';
  const file = await fixture(`upstream:\n  url: http://127.0.0.1:3001\n${users}`);
  const editor = editorOf(file);
  const bob = { kind: 'user', name: 'bob' } as const;
  assert.equal(await editor.remove(bob, '203.0.113.9'), true);
  assert.deepEqual((await editor.read()).users, { Bob: [], bob: [{ cidr: '198.51.100.1' }] });
  assert.equal(await editor.remove(bob, '203.0.113.9'), false, 'nowhere any more');
  // An add goes to the first key and leaves no second entry of the range under the other one.
  await editor.add(bob, { cidr: '198.51.100.1', note: 'home' });
  assert.deepEqual((await editor.read()).users, { Bob: [{ cidr: '198.51.100.1', note: 'home' }], bob: [] });
});

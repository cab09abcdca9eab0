// Atomic file replacement: writers at the same time (the admin page and the CLI on gateway.yaml,
// the file store's commits) each write their own temporary file, so all of them succeed and the
// file ends as one of them wrote it whole; a write called off or failed leaves no temporary file.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeFileAtomic } from '../../src/store/atomic-file.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atomic-file-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const temps = async () => (await readdir(dir)).filter((name) => name.endsWith('.tmp'));

test('concurrent writers all succeed; the file is one of their contents, whole', async () => {
  const file = join(dir, 'many.yaml');
  // Large enough that the writes overlap on disk.
  const contents = Array.from({ length: 20 }, (_, i) => `writer ${i}\n`.repeat(20_000));
  const results = await Promise.all(contents.map((text) => writeFileAtomic(file, text, 0o644)));
  assert.deepEqual(
    results,
    contents.map(() => true),
  );
  assert.ok(contents.includes(await readFile(file, 'utf8')), 'never a mix of two writers');
  assert.deepEqual(await temps(), []);
});

test('a write called off before the rename leaves the file as it was and no temporary file', async () => {
  const file = join(dir, 'kept.yaml');
  await writeFile(file, 'before\n');
  assert.equal(await writeFileAtomic(file, 'after\n', 0o644, { beforeRename: async () => false }), false);
  assert.equal(await readFile(file, 'utf8'), 'before\n');
  assert.deepEqual(await temps(), []);
});

test('a write that fails rejects and leaves no temporary file', async () => {
  const file = join(dir, 'blocked.yaml');
  // A folder in the file's place: the rename fails, even for root.
  await mkdir(file);
  await writeFile(join(file, 'in-the-way'), '');
  await assert.rejects(writeFileAtomic(file, 'text\n'), /EISDIR|ENOTDIR|EEXIST|ENOTEMPTY/);
  assert.deepEqual(await temps(), []);
});

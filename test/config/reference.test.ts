// The README's configuration reference is the one generated from the schema.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { withReference } from '../../src/config/reference.js';

test('README configuration reference matches the schema (run npm run docs:config)', async () => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  assert.equal(readme, withReference(readme));
});

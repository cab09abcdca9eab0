// The project's documents point only inside the project: every relative link of every Markdown
// file leads to a file or folder of the repository (tests get moved and renamed; a stale link in
// the security model would silently stop naming its proof). And the security model
// (docs/security-model.md) has a section for each invariant S0-S15 naming at least one test file.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const SKIPPED = new Set(['node_modules', '.git', 'data', 'results', 'dist', 'scratch']);

function markdownFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name)) return [];
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** The targets of a Markdown text's inline links that name a path (no URL scheme, not a bare #anchor). */
function relativeTargets(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => (match[1] as string).split('#')[0] as string)
    .filter((target) => target !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

test('every relative link in the repository’s Markdown leads to a file inside it', () => {
  const files = markdownFiles(ROOT);
  assert.ok(files.some((file) => file.endsWith('security-model.md')));
  const broken: string[] = [];
  for (const file of files) {
    for (const target of relativeTargets(readFileSync(file, 'utf8'))) {
      const path = resolve(dirname(file), decodeURIComponent(target));
      const inside = !relative(ROOT, path).startsWith('..');
      if (!inside || !existsSync(path)) broken.push(`${relative(ROOT, file)}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the security model has a section for each invariant S0-S15, each naming a test', () => {
  const model = readFileSync(join(ROOT, 'docs/security-model.md'), 'utf8');
  const sections = model.split(/^### /m).slice(1);
  const numbers = sections.map((section) => /^S(\d+) /.exec(section)?.[1]);
  assert.deepEqual(
    numbers,
    Array.from({ length: 16 }, (_, i) => String(i)),
  );
  for (const section of sections) {
    const tests = relativeTargets(section).filter((target) => /^\.\.\/test\/.+\.test\.ts$/.test(target));
    assert.ok(tests.length > 0, `${section.split('\n', 1)[0]} names no test`);
  }
});

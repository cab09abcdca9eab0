// The primary of `gateway start --workers N` supervises and never serves: the modules Node loads
// before a command runs (main.ts and what it imports at the top, transitively) must not include
// the gateway, which cost the primary about 24 MB when it did (issue 17). Read from the sources'
// static imports: `import type` vanishes from the JavaScript and `import()` loads on demand.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const STATIC_IMPORT =
  /^(?:import|export)(?!\s+type\b)[^'";]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]|^import\s*['"](\.{1,2}\/[^'"]+)['"]/gm;

/** The source files Node loads, before any `import()`, when it runs `entry`. */
function loadedAtStart(entry: string): Set<string> {
  const loaded = new Set<string>();
  const pending = [resolve(ROOT, entry)];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (loaded.has(file)) continue;
    loaded.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      pending.push(resolve(dirname(file), (match[1] ?? match[2]) as string).replace(/\.js$/, '.ts'));
    }
  }
  return new Set([...loaded].map((file) => relative(ROOT, file)));
}

test('the command line and `start` load the gateway only in a process that serves', () => {
  const atStart = loadedAtStart('src/cli/main.ts');
  // The walk itself works: main.ts reaches what every command shares.
  assert.ok(atStart.has('src/cli/command.ts'));
  for (const serving of ['src/gateway.ts', 'src/http/server.ts', 'src/create-services.ts']) {
    assert.ok(!atStart.has(serving), `${serving} is loaded by every process, the primary included`);
  }
  const start = loadedAtStart('src/cli/start.ts');
  assert.ok(start.has('src/cli/workers.ts'));
  assert.ok(!start.has('src/gateway.ts'), 'start.ts loads the gateway before it knows it is a worker');
});

// Owns the architecture check that CI runs: imports run downwards only through the rooms of
// src/ (README, "Development"), and no module imports itself back through a circle, in src,
// bench, test and examples alike. Type-only imports count: they are still a dependency of the
// design, even when they vanish from the JavaScript.
//
// Usage: node --import tsx scripts/check-imports.ts   (exit 1 and one line per problem)

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const TREES = ['src', 'bench', 'test', 'examples', 'scripts'];

/**
 * The rooms of src/ from the top down: a module may import from its own room or from a room
 * further down this list, never from one above. Rooms on one line are siblings and may not
 * import each other. http/ is the entry (server, pipeline, guard) and also the vocabulary every
 * room answers with (the scope, errors, pages of errors): those files are a room of their own
 * near the bottom.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['cli'],
  ['assembly'],
  ['http'],
  ['portal'],
  ['intercept'],
  ['session'],
  ['proxy'],
  ['allowlist'],
  ['access'],
  ['factors'],
  ['http-vocabulary'],
  ['config', 'store', 'crypto', 'net', 'ops'],
];

/** The http/ files every room may use: what a request is and how the gateway answers it. */
const HTTP_VOCABULARY = new Set([
  'access-log.ts',
  'client-ip.ts',
  'error-page.ts',
  'errors.ts',
  'html.ts',
  'read-body.ts',
  'respond.ts',
  'return-path.ts',
  'scope.ts',
]);

/** The base rooms import one another freely (no circle) but nothing above them. */
const BASE = new Set(['config', 'store', 'crypto', 'net', 'ops']);

function roomOf(file: string): string | undefined {
  const path = relative(join(ROOT, 'src'), file);
  if (path.startsWith('..')) return undefined;
  const [top, name] = path.split('/');
  if (name === undefined) return 'assembly';
  if (top === 'http' && HTTP_VOCABULARY.has(name)) return 'http-vocabulary';
  return top;
}

const rank = new Map(LAYERS.flatMap((rooms, i) => rooms.map((room) => [room, i] as const)));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return /\.(ts|mts)$/.test(entry.name) ? [path] : [];
  });
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** The relative imports of a file, resolved to the files they name. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) =>
    resolve(dirname(file), (m[1] ?? m[2]) as string).replace(/\.js$/, '.ts'),
  );
}

const files = TREES.flatMap((tree) => {
  try {
    return sources(join(ROOT, tree));
  } catch {
    return [];
  }
});
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const problems: string[] = [];
const show = (file: string) => relative(ROOT, file);

for (const [file, targets] of graph) {
  const from = roomOf(file);
  if (from === undefined) continue;
  for (const target of targets) {
    const to = roomOf(target);
    if (to === undefined || to === from) continue;
    const [a, b] = [rank.get(from), rank.get(to)];
    if (a === undefined || b === undefined) {
      problems.push(`${show(file)}: room ${a === undefined ? from : to} is not in LAYERS`);
    } else if (BASE.has(from) && BASE.has(to)) {
      // Siblings at the base: circles are caught below.
    } else if (b <= a) {
      problems.push(`${show(file)} (${from}) imports ${show(target)} (${to}), a room ${b < a ? 'above' : 'beside'} it`);
    }
  }
}

// Circles: a depth-first search that reports each back edge's circle once.
const state = new Map<string, 'open' | 'done'>();
const stack: string[] = [];
function visit(file: string): void {
  state.set(file, 'open');
  stack.push(file);
  for (const next of graph.get(file) ?? []) {
    if (!graph.has(next)) continue;
    if (state.get(next) === 'open') {
      const circle = stack.slice(stack.indexOf(next)).concat(next);
      problems.push(`import circle: ${circle.map(show).join(' -> ')}`);
    } else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(file, 'done');
}
for (const file of graph.keys()) if (!state.has(file)) visit(file);

for (const problem of problems) console.error(problem);
console.log(`imports: ${graph.size} modules, ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
process.exit(problems.length === 0 ? 0 : 1);

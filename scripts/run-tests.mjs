// Owns `npm test`: compiles the repository's TypeScript once, then runs node:test on the compiled
// test files. Under tsx every test process (and every gateway a test starts) compiled each module
// it loaded again, behind a loader thread that Node 20 asks once per module: about 40% of the
// suite's CPU, more than the tests themselves on a CLI test. esbuild makes the same transform tsx
// makes, for every file at once, in about a second.
//
// The compiled tree is a copy of the checkout (every file, each .ts beside its .js) in a fresh
// folder under results/, removed when the run ends: a test finds README.md, gateway.yaml, its
// fixtures and the sources it reads where it always did (relative to itself), node_modules is
// found by walking up as from the checkout, and no run can use another run's (stale) output.
// Each .js carries a source map naming its .ts in the checkout: stack traces and the summary
// point at the source's lines.
//
// Usage: node scripts/run-tests.mjs [--verbose] [FILE|FOLDER...]   (default: test examples)

import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { transform } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
/** Never copied: dependencies (found by walking up), git, and what runs and builds leave behind. */
const SKIPPED = new Set(['node_modules', '.git', 'data', 'results', 'dist', 'scratch']);

/** Every file under `dir`, relative to the checkout, outside SKIPPED folders. */
function checkoutFiles(dir = ROOT) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return checkoutFiles(path);
    return entry.isFile() ? [relative(ROOT, path)] : [];
  });
}

/** Copies the checkout into `out`, each .ts also compiled as tsx would (tsconfig.json's options). */
async function compileCheckout(out) {
  const { compilerOptions } = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
  const options = {
    loader: 'ts',
    format: 'esm',
    target: `node${process.versions.node}`,
    sourcemap: 'inline',
    tsconfigRaw: { compilerOptions },
  };
  await Promise.all(
    checkoutFiles().map(async (file) => {
      const source = join(ROOT, file);
      const target = join(out, file);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(source, target);
      if (!file.endsWith('.ts') || file.endsWith('.d.ts')) return;
      const { code } = await transform(readFileSync(source, 'utf8'), { ...options, sourcefile: source });
      writeFileSync(`${target.slice(0, -3)}.js`, code);
    }),
  );
}

/** The .test.ts files named (files, or folders searched), relative to the checkout, sorted. */
function testFiles(named) {
  return named
    .flatMap((name) => {
      const path = resolve(ROOT, name);
      if (name.endsWith('.ts')) return [relative(ROOT, path)];
      return checkoutFiles(path).filter((file) => file.endsWith('.test.ts'));
    })
    .sort();
}

/**
 * Test files run at once: one more than the cores. Many files spend part of their time waiting
 * (a gateway or Redis starting, a browser's page, a child process killed and restarted): on 2
 * quiet cores, a full run took 360 s with 2 files at a time and 340 s with 3, every test passing.
 * TEST_CONCURRENCY overrides it (1 runs the files one after another).
 */
function concurrency() {
  const wanted = process.env.TEST_CONCURRENCY;
  if (wanted === undefined || wanted === '') return availableParallelism() + 1;
  if (!/^[1-9][0-9]*$/.test(wanted))
    throw new Error(`TEST_CONCURRENCY must be a whole number above 0, not "${wanted}"`);
  return Number(wanted);
}

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const named = args.filter((arg) => arg !== '--verbose');
const files = testFiles(named.length > 0 ? named : ['test', 'examples']);
const filesAtOnce = concurrency();

mkdirSync(join(ROOT, 'results'), { recursive: true });
const out = mkdtempSync(join(ROOT, 'results/test-build-'));
const removeBuild = () => rmSync(out, { recursive: true, force: true });
try {
  await compileCheckout(out);
} catch (error) {
  removeBuild();
  throw error;
}

const reporter = verbose
  ? ['--test-reporter=spec']
  : [`--test-reporter=${join(ROOT, 'scripts/test-reporter.mjs')}`, '--test-reporter-destination=stdout'];
const runner = spawn(
  process.execPath,
  [
    // A test file's process lives a few seconds: V8's optimizing compiler's work for it was
    // mostly wasted (README, Development).
    '--no-opt',
    '--enable-source-maps',
    '--test',
    `--test-concurrency=${filesAtOnce}`,
    ...reporter,
    ...files.map((file) => join(out, `${file.slice(0, -3)}.js`)),
  ],
  { cwd: ROOT, stdio: 'inherit' },
);
// Ctrl-C reaches the runner too (one process group); this process waits for it to end, then cleans up.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => runner.kill(signal));
runner.on('exit', (code, signal) => {
  removeBuild();
  process.exitCode = code ?? (signal ? 1 : 0);
});

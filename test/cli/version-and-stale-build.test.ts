// Issue 14: `gateway --version` names the version; bin/gateway.js never runs a stale dist/
// silently. In a copy of bin/ without tsx beside it (npm ci --omit=dev), a dist/ older than the
// source is refused with one line saying to rebuild, a fresh one runs, and without src/ (the
// Docker image) dist/ runs.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const BIN = new URL('../../bin/gateway.js', import.meta.url).pathname;
const run = promisify(execFile);

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gateway-bin-'));
});
after(() => rm(root, { recursive: true, force: true }));

// Through bin/gateway.js itself, in the checkout (tsx is there): the command operators run. The
// other CLI tests start the command line the way the test runs (helpers/node-program.ts).
test('gateway --version prints the package version and Node', async () => {
  const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const { stdout } = await run(process.execPath, [BIN, '--version']);
  assert.equal(stdout, `gateway ${version} (Node ${process.version})\n`);
});

/** A checkout without node_modules: bin/gateway.js, src/cli/main.ts and dist/src/cli/main.js with these times. */
async function checkout(name: string, times: { source?: number; compiled: number }): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'bin'), { recursive: true });
  await copyFile(BIN, join(dir, 'bin/gateway.js'));
  await writeFile(join(dir, 'package.json'), '{"type":"module"}');
  await mkdir(join(dir, 'dist/src/cli'), { recursive: true });
  const compiled = join(dir, 'dist/src/cli/main.js');
  await writeFile(compiled, "process.stdout.write('the compiled gateway\\n');\n");
  await utimes(compiled, times.compiled, times.compiled);
  if (times.source !== undefined) {
    await mkdir(join(dir, 'src/cli'), { recursive: true });
    const source = join(dir, 'src/cli/main.ts');
    await writeFile(source, '// the source\n');
    await utimes(source, times.source, times.source);
  }
  return join(dir, 'bin/gateway.js');
}

test('without tsx, a dist/ older than the source is refused with one line; a newer one runs', async () => {
  const stale = await checkout('stale', { source: 2_000_000_000, compiled: 1_000_000_000 });
  await assert.rejects(
    run(process.execPath, [stale, '--version']),
    (error: Error & { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(
        error.stderr,
        /^gateway: .*dist is older than the source in .*src and tsx is not installed: run npm run build/,
      );
      assert.equal(error.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
      return true;
    },
  );
  const fresh = await checkout('fresh', { source: 1_000_000_000, compiled: 2_000_000_000 });
  assert.equal((await run(process.execPath, [fresh])).stdout, 'the compiled gateway\n');
});

test('without src/ (the Docker image) the compiled gateway runs', async () => {
  const image = await checkout('image', { compiled: 1_000_000_000 });
  assert.equal((await run(process.execPath, [image])).stdout, 'the compiled gateway\n');
});

#!/usr/bin/env node
// The `gateway` command. In a checkout (src/ is here) the TypeScript source runs through tsx, so
// a build can never be forgotten; without tsx (npm ci --omit=dev) the compiled dist/ runs only if
// it is newer than every source file, else the command says to rebuild (a stale dist/ would run
// old code silently). The Docker image has no src/: its compiled dist/ runs.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = join(root, 'dist/src/cli/main.js');
const source = join(root, 'src/cli/main.ts');

/** The newest modification time of the .ts files under `dir`. */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) {
      newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
    }
  }
  return newest;
}

async function withTsx() {
  try {
    const { register } = await import('tsx/esm/api');
    return register;
  } catch {
    return undefined;
  }
}

const register = existsSync(source) ? await withTsx() : undefined;
if (register) {
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
} else if (existsSync(compiled)) {
  if (existsSync(source) && newestSource(join(root, 'src')) > statSync(compiled).mtimeMs) {
    process.stderr.write(
      `gateway: ${join(root, 'dist')} is older than the source in ${join(root, 'src')} and tsx is not installed: run npm run build (or npm ci to run the source)\n`,
    );
    process.exit(1);
  }
  await import(new URL('../dist/src/cli/main.js', import.meta.url).href);
} else {
  process.stderr.write(`gateway: neither tsx (npm ci) nor a build (npm run build) is there to run ${source}\n`);
  process.exit(1);
}

#!/usr/bin/env node
// The `gateway` command. In the Docker image the compiled dist/ runs; in a checkout the
// TypeScript source runs through tsx (a devDependency), with no build step to forget.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}

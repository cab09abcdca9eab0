// Owns compiling the gateway for the bench: the figures are about what operators run (the
// compiled JavaScript of the Docker image), not about tsx's loader. The output goes under
// results/ (git-ignored), never to dist/, which bin/gateway.js would then prefer over the
// source for every test and CLI run of the checkout.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../servers/paths.js';

export const BUILD_DIR = join(REPO_ROOT, 'results/build');
/** The compiled CLI entry point; node_modules is found from it by walking up to the repository. */
export const COMPILED_CLI = join(BUILD_DIR, 'src/cli/main.js');

/** The compiled bare undici proxy (servers/undici-proxy.ts), run as the gateway is, without tsx. */
export const COMPILED_UNDICI_PROXY = join(BUILD_DIR, 'bench/servers/undici-proxy.js');

/**
 * Compiles src/ with tsconfig.build.json, and the bare undici proxy with its own, into
 * results/build (a few seconds, once per run). Both Node proxies run compiled: under tsx's loader
 * the undici proxy took several times longer to warm up, which its figures would have shown.
 */
export function buildGateway(): void {
  for (const project of ['tsconfig.build.json', 'bench/tsconfig.undici-proxy.json']) {
    execFileSync(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', project, '--outDir', BUILD_DIR],
      { cwd: REPO_ROOT, stdio: 'inherit' },
    );
  }
}

// How a test runs a module of the project as a program in a child process (a gateway command, a
// writer to kill, the demo): the way the test itself runs. Under `npm test` the tests run
// compiled (scripts/run-tests.mjs) and so does the child, in plain Node: a gateway command then
// costs about a third of the CPU it costs through tsx on Node 20 (whose loader thread compiles
// every module again at each start). A test file run by hand through tsx starts its children
// through tsx.

import { fileURLToPath } from 'node:url';

const COMPILED = import.meta.url.endsWith('.js');

/** What Node needs on its command line to load TypeScript the way this process does. */
export const LOADER_ARGS: readonly string[] = COMPILED ? [] : ['--import', 'tsx'];

/** The module to load for a .ts module of the project: its compiled .js beside it, when compiled. */
export function runnable(source: URL): URL {
  return COMPILED ? new URL(source.href.replace(/\.ts$/, '.js')) : source;
}

/** Node's arguments that run the .ts module at `source` as a program. */
export function nodeArgsFor(source: URL): string[] {
  return [...LOADER_ARGS, fileURLToPath(runnable(source))];
}

/**
 * Node's arguments that run the operator's `gateway` command: bin/gateway.js through tsx, as in a
 * checkout, or, compiled, the compiled command line itself. bin/gateway.js's own choice between
 * source and build is tested by test/cli/version-and-stale-build.test.ts.
 */
export const GATEWAY_ARGS: readonly string[] = COMPILED
  ? nodeArgsFor(new URL('../../src/cli/main.ts', import.meta.url))
  : [fileURLToPath(new URL('../../bin/gateway.js', import.meta.url))];

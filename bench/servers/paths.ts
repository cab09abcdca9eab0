// Owns where things are: the repository root, the gateway's bin, and how a TypeScript file
// of the bench is run as its own process (through tsx, as bin/gateway.js runs the source).

import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const GATEWAY_BIN = fileURLToPath(new URL('../../bin/gateway.js', import.meta.url));
export const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url));

/** Node arguments that run a bench TypeScript file (a path relative to the repository root). */
export function tsxArgs(file: string, ...args: string[]): string[] {
  return ['--import', 'tsx', file, ...args];
}

// Owns the gateway's version: the one in its package.json, found by walking up from this module
// (src/ops in a checkout, dist/src/ops once compiled), read once.

import { existsSync, readFileSync } from 'node:fs';

const PACKAGE_NAME = 'login-security-gateway';
let version: string | undefined;

/** "0.1.0". */
export function gatewayVersion(): string {
  if (version !== undefined) return version;
  for (let url = new URL('./package.json', import.meta.url); ; url = new URL('../package.json', url)) {
    if (existsSync(url)) {
      const manifest = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === PACKAGE_NAME && manifest.version) {
        version = manifest.version;
        return version;
      }
    }
    if (url.pathname === '/package.json')
      throw new Error(`no package.json of ${PACKAGE_NAME} above ${import.meta.url}`);
  }
}

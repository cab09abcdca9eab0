// Owns the gateway's version: the one in package.json, read once, beside the source tree and the
// compiled one alike (src/ops and dist/ops both sit two folders below it).

import { readFileSync } from 'node:fs';

let version: string | undefined;

/** "0.1.0". */
export function gatewayVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;
  return version;
}

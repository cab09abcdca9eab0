// Owns the cookie micro-benchmark: nanoseconds to sign a session cookie and to read one back
// from a browser's Cookie header (parse, verify, id check), as every request with a session
// does. A cookie seen before is remembered by the signer (src/crypto/signing.ts); the full
// check (HMAC-SHA256 per key, constant-time comparison) is what a cookie seen for the first
// time costs, measured here with tampered cookies, which are never remembered: with one key
// and with two (during a rotation every key is tried). In-process, on the bench's own core.
// Issue 6 target: verification under 5 µs, taken on the full check.

import { randomBytes } from 'node:crypto';
import { createSigner } from '../../src/crypto/signing.js';
import { parseCookieHeader } from '../../src/session/client-cookies.js';
import { readSessionRef, sessionCookieValue } from '../../src/session/gateway-cookie.js';
import { type MicroCase, measureMicro } from '../lib/micro.js';
import type { Row, StandaloneScenario } from './types.js';

const NAME = 'gw_session';
/** A browser's Cookie header besides the gateway's: an app's XSRF token and a language choice. */
const OTHERS = 'XSRF-TOKEN=4f8a9c2e7b1d; lang=en';
const PROBES = 256;

const ROWS: readonly Row[] = [
  { metric: 'signNs', label: 'sign a session cookie (ns)', better: 'lower', digits: 0 },
  { metric: 'verifyRepeatNs', label: 'read + verify a cookie seen before (ns)', better: 'lower', digits: 0 },
  { metric: 'verifyFullNs', label: 'read + full check, 1 key (ns)', better: 'lower', digits: 0 },
  { metric: 'verifyFullRotatingNs', label: 'read + full check, 2 keys (rotation) (ns)', better: 'lower', digits: 0 },
];

export const cookieSigning: StandaloneScenario = {
  kind: 'standalone',
  id: 'cookie-signing',
  title: 'session cookie sign / verify (in-process)',
  async run(ctx) {
    const key = randomBytes(32);
    const oneKey = createSigner([key]);
    const rotating = createSigner([randomBytes(32), key]);
    const ids = Array.from({ length: PROBES }, () => randomBytes(32).toString('base64url'));
    const headers = ids.map((id) => `${OTHERS}; ${NAME}=${sessionCookieValue(oneKey, { kind: 'session', id })}`);
    // One character of the signature changed (the second-to-last: every bit of it counts).
    const tampered = headers.map((header) => {
      const at = header.length - 2;
      return header.slice(0, at) + (header[at] === 'A' ? 'B' : 'A') + header.slice(at + 1);
    });
    const read = (signer: typeof oneKey, header: string) => readSessionRef(signer, parseCookieHeader(header), NAME);
    const cases: MicroCase[] = [
      {
        metric: 'signNs',
        op: (i) => sessionCookieValue(oneKey, { kind: 'session', id: ids[i % PROBES] as string }).length > 43,
      },
      { metric: 'verifyRepeatNs', op: (i) => read(oneKey, headers[i % PROBES] as string)?.id === ids[i % PROBES] },
      { metric: 'verifyFullNs', op: (i) => read(oneKey, tampered[i % PROBES] as string) === undefined },
      { metric: 'verifyFullRotatingNs', op: (i) => read(rotating, tampered[i % PROBES] as string) === undefined },
    ];
    const figures = measureMicro(cases, ctx.options.mode === 'quick' ? 5 : 9);
    return { id: this.id, title: this.title, rows: ROWS, targets: { 'in-process': figures } };
  },
};

// Owns the requests held while a path rule asks a session for a fresh second step (issue 16):
// a form post to such a path is kept whole (bounded by limits.held_body), sealed, bound to the
// session that sent it, until the step is passed; then it is taken out once, and only once, to
// be sent to the app as it was. Until then the app has seen nothing of it.

import type { Sealer } from '../crypto/sealing.js';
import type { Store } from '../store/store.js';
import { newId } from './records.js';

/** A request as the client sent it: method, target and headers (the client's cookies left out), and its body. */
export interface HeldRequest {
  readonly sessionId: string;
  readonly method: string;
  /** The path and query, byte for byte as received. */
  readonly url: string;
  /** Raw header name/value pairs, as Node's rawHeaders (stored without Cookie and Expect). */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export interface HeldRequests {
  /** Keeps a request for `ttlMs`; returns the id the step-up page names it by. */
  hold(request: HeldRequest, ttlMs: number): Promise<string>;
  /** The held request, for this session only, without taking it (the step-up page shows where it goes). */
  peek(id: string, sessionId: string): Promise<HeldRequest | undefined>;
  /** Takes the held request out for this session; of two callers at once, one gets it (sent exactly once). */
  take(id: string, sessionId: string): Promise<HeldRequest | undefined>;
}

interface StoredHeld {
  sessionId: string;
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
}

const heldKey = (id: string) => `held:${id}`;
/** An id a step-up page can carry in its query: 43 base64url characters. */
const HELD_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * The headers worth keeping: not Cookie (the gateway's own cookie is never stored nor forwarded,
 * S8; the vault supplies the app's), nor Expect (the body is here already).
 */
function heldHeaders(rawHeaders: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    if (name !== 'cookie' && name !== 'expect') kept.push(rawHeaders[i] as string, rawHeaders[i + 1] as string);
  }
  return kept;
}

export function createHeldRequests(options: { store: Store; sealer: Sealer }): HeldRequests {
  const { store, sealer } = options;

  async function read(id: string, sessionId: string): Promise<HeldRequest | undefined> {
    if (!HELD_ID.test(id)) return undefined;
    const sealed = await store.get(heldKey(id));
    const plain = sealed === undefined ? undefined : sealer.open(sealed, `held:${id}`);
    if (!plain) return undefined;
    const stored = JSON.parse(plain.toString()) as StoredHeld;
    // Another session's held request is nobody's business here: it stays for its owner.
    if (stored.sessionId !== sessionId) return undefined;
    return { ...stored, body: Buffer.from(stored.body, 'base64') };
  }

  return {
    async hold(request, ttlMs) {
      const id = newId();
      const stored: StoredHeld = {
        sessionId: request.sessionId,
        method: request.method,
        url: request.url,
        rawHeaders: heldHeaders(request.rawHeaders),
        body: request.body.toString('base64'),
      };
      // Sealed: a held form carries what the rule protects (bank details), never readable at rest (S6).
      await store.set(heldKey(id), sealer.seal(JSON.stringify(stored), `held:${id}`), ttlMs);
      return id;
    },

    peek: read,

    async take(id, sessionId) {
      const held = await read(id, sessionId);
      // The delete decides: only the caller that removed the record sends it.
      if (!held || !(await store.delete(heldKey(id)))) return undefined;
      return held;
    },
  };
}

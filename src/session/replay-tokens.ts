// Owns the one-time replay of a withheld login page at its own address (issue 12, S14): once
// the second step is passed, the app's page is kept, sealed, for the new session to fetch once
// at the path where the app answered it; the browser carries a token naming it. The token is a
// 256-bit random id, written set-if-absent and taken out by one atomic delete, so the page is
// answered at most once, and only to the session it was kept for.

import type { Sealer } from '../crypto/sealing.js';
import type { Store } from '../store/store.js';
import { newId, type WithheldAnswer } from './records.js';

/** A withheld page waiting for its session's browser to ask for it at `path`. */
export interface KeptReplay {
  readonly sessionId: string;
  /** The path as the login was sent to it (where the page's relative links resolve). */
  readonly path: string;
  readonly answer: WithheldAnswer;
}

export interface ReplayTokens {
  /** Keeps a page for `ttlMs`; returns the token that names it. */
  keep(replay: KeptReplay, ttlMs: number): Promise<string>;
  /**
   * The kept page, taken out once: for this session at this path only. A spent, expired,
   * malformed or foreign token is undefined, and a foreign one stays for its own session.
   */
  take(token: string, sessionId: string, path: string): Promise<WithheldAnswer | undefined>;
}

const replayKey = (token: string) => `replay:${token}`;
/** A token as newId makes them: 43 base64url characters. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function createReplayTokens(options: { store: Store; sealer: Sealer }): ReplayTokens {
  const { store, sealer } = options;
  return {
    async keep(replay, ttlMs) {
      const token = newId();
      // Sealed: the page is the app's answer to a signed-in user, never readable at rest (S6).
      const sealed = sealer.seal(JSON.stringify(replay), replayKey(token));
      if (!(await store.setIfAbsent(replayKey(token), sealed, ttlMs))) throw new Error('replay token collision');
      return token;
    },

    async take(token, sessionId, path) {
      if (!TOKEN.test(token)) return undefined;
      const sealed = await store.get(replayKey(token));
      const plain = sealed === undefined ? undefined : sealer.open(sealed, replayKey(token));
      if (!plain) return undefined;
      const kept = JSON.parse(plain.toString()) as KeptReplay;
      if (kept.sessionId !== sessionId || kept.path !== path) return undefined;
      // The delete decides: of two requests at once, only the one that removed it is answered.
      return (await store.delete(replayKey(token))) ? kept.answer : undefined;
    },
  };
}

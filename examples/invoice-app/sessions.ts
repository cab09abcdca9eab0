// In-memory sessions (anonymous or signed in) and the invoice_sid cookie that carries their id.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { appendSetCookie, parseCookies, serializeCookie } from './cookies.js';

export const SESSION_COOKIE = 'invoice_sid';

const IDLE_TIMEOUT_MS = 30 * 60 * 1000;
// Expired sessions are dropped on lookup; the periodic sweep only stops abandoned ones from piling up.
const SWEEP_INTERVAL_MS = 60 * 1000;

export interface Session {
  readonly id: string;
  readonly csrfToken: string;
  username: string | undefined;
  lastSeenAt: number;
}

export interface SessionManagerOptions {
  /** false keeps the pre-login session id after sign-in: session fixation on purpose, for security tests. */
  rotateOnLogin: boolean;
  now?: () => number;
}

export class SessionManager {
  readonly #sessions = new Map<string, Session>();
  readonly #rotateOnLogin: boolean;
  readonly #now: () => number;
  #lastSweepAt: number;

  constructor(options: SessionManagerOptions) {
    this.#rotateOnLogin = options.rotateOnLogin;
    this.#now = options.now ?? Date.now;
    this.#lastSweepAt = this.#now();
  }

  fromRequest(req: IncomingMessage): Session | undefined {
    const id = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    return id === undefined ? undefined : this.#lookup(id);
  }

  /** The request's session, or a new anonymous one whose cookie is set on the response. */
  ensure(req: IncomingMessage, res: ServerResponse): Session {
    return this.fromRequest(req) ?? this.#start(res, undefined);
  }

  /** Marks the visitor as signed in and returns the session that now represents them. */
  logIn(session: Session, username: string, res: ServerResponse): Session {
    if (!this.#rotateOnLogin) {
      session.username = username;
      return session;
    }
    this.#sessions.delete(session.id);
    return this.#start(res, username);
  }

  destroy(session: Session, res: ServerResponse): void {
    this.#sessions.delete(session.id);
    appendSetCookie(res, serializeCookie(SESSION_COOKIE, '', { maxAge: 0 }));
  }

  #start(res: ServerResponse, username: string | undefined): Session {
    this.#sweepIfDue();
    const session: Session = {
      id: randomBytes(32).toString('hex'),
      csrfToken: randomBytes(32).toString('base64url'),
      username,
      lastSeenAt: this.#now(),
    };
    this.#sessions.set(session.id, session);
    appendSetCookie(res, serializeCookie(SESSION_COOKIE, session.id));
    return session;
  }

  #lookup(id: string): Session | undefined {
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    const now = this.#now();
    if (now - session.lastSeenAt > IDLE_TIMEOUT_MS) {
      this.#sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = now;
    return session;
  }

  #sweepIfDue(): void {
    const now = this.#now();
    if (now - this.#lastSweepAt < SWEEP_INTERVAL_MS) return;
    this.#lastSweepAt = now;
    for (const [id, session] of this.#sessions) {
      if (now - session.lastSeenAt > IDLE_TIMEOUT_MS) this.#sessions.delete(id);
    }
  }
}

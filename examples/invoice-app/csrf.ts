// CSRF protection: where a request may carry its token and how that token is compared with the session's.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';
import type { Session } from './sessions.js';

export const CSRF_FIELD = 'csrf_token';

export function csrfHeader(req: IncomingMessage): string | undefined {
  const value = req.headers['x-csrf-token'];
  return typeof value === 'string' ? value : undefined;
}

function tokenMatches(session: Session | undefined, candidate: string | null | undefined): boolean {
  if (!session || !candidate) return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(candidate);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function requireCsrf(
  session: Session | undefined,
  candidate: string | null | undefined,
): asserts session is Session {
  if (!tokenMatches(session, candidate)) throw new HttpError(403, 'invalid or missing CSRF token');
}

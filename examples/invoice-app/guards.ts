// Who is signed in, and what anonymous visitors get instead of a login-only route.
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';
import { redirect } from './responses.js';
import type { Handler, RequestContext } from './router.js';
import type { AppServices } from './services.js';
import type { Session } from './sessions.js';
import type { User } from './users.js';

export interface SignedIn {
  readonly session: Session;
  readonly user: User;
}

export type SignedInHandler = (ctx: RequestContext, signedIn: SignedIn) => void | Promise<void>;

/** 'redirect' sends browsers to the login page; 'unauthorized' answers 401 for API-style callers. */
export type AnonymousResponse = 'redirect' | 'unauthorized';

export function currentUser(services: AppServices, req: IncomingMessage): SignedIn | undefined {
  const session = services.sessions.fromRequest(req);
  const user = session?.username === undefined ? undefined : services.users.find(session.username);
  return session && user ? { session, user } : undefined;
}

export function requireLogin(
  services: AppServices,
  whenAnonymous: AnonymousResponse,
  handler: SignedInHandler,
): Handler {
  return (ctx) => {
    const signedIn = currentUser(services, ctx.req);
    if (signedIn) return handler(ctx, signedIn);
    if (whenAnonymous === 'unauthorized') throw new HttpError(401, 'unauthorized');
    redirect(ctx.res, `/login?next=${encodeURIComponent(ctx.url.pathname + ctx.url.search)}`);
  };
}

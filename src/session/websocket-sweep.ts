// Owns keeping open WebSockets tied to the session that opened them (S3, S4): once a second the
// sweep closes (1008) those whose session ended elsewhere (another gateway, the CLI, expiry),
// whose user's role changed since the login, or whose user the allowlists in force now refuse at
// that socket's address. The allowlist is decided as for every request (access/decide.ts), from
// lookups without I/O; sessions are read from the store.

import { decide } from '../access/decide.js';
import type { RuntimeConfig } from '../config/runtime.js';
import { CLOSE_POLICY_VIOLATION } from '../proxy/websocket-frames.js';
import type { WebSocketTracker } from '../proxy/websocket-tracker.js';
import { auditRefusal } from './refusal.js';
import { allowlistFact } from './request-session.js';
import type { LoginServices } from './services.js';

/** How often open WebSockets are checked against their session and the allowlists. */
export const WEBSOCKET_SWEEP_MS = 1_000;

/** Closes the sockets the allowlists in force now refuse (an edit applies to open sockets too). */
function closeRefused(webSockets: WebSocketTracker, services: LoginServices, runtime: RuntimeConfig): number {
  return webSockets.close(CLOSE_POLICY_VIOLATION, (socket) => {
    const who = socket.scope.session;
    if (!who) return false;
    const allowlist = allowlistFact(runtime, socket.scope.client, services, who);
    const decision = decide({ route: 'private', session: 'full', wantsJson: true, allowlist });
    if (decision.action !== 'refuse') return false;
    auditRefusal(services.logger, { ...socket.scope, runtime }, { reason: decision.reason, who }, 'websocket');
    return true;
  });
}

/** One pass of the sweep under the configuration in force. */
export function sweepWebSockets(webSockets: WebSocketTracker, services: LoginServices, runtime: RuntimeConfig): void {
  closeRefused(webSockets, services, runtime);
  const alive = async (id: string) => {
    const session = await services.records.getSession(id);
    return session !== undefined && (await services.roles.changeSince(session, runtime.roles)) === undefined;
  };
  for (const id of webSockets.sessionIds()) {
    const closeSession = () => webSockets.close(CLOSE_POLICY_VIOLATION, (socket) => socket.scope.session?.id === id);
    alive(id).then(
      (ok) => {
        if (!ok) closeSession();
      },
      // The store is unreachable: sessions cannot be confirmed, so their sockets close too (S11).
      closeSession,
    );
  }
}

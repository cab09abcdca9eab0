// Owns the set of open proxied WebSockets, so that whatever ends their right to exist
// (shutdown, logout, revocation or expiry of their session) can close them.

import type { Duplex } from 'node:stream';
import type { RequestScope } from '../http/scope.js';
import { closeFrame } from './websocket-frames.js';

export interface OpenWebSocket {
  readonly scope: RequestScope;
  readonly client: Duplex;
  readonly upstream: Duplex;
}

export interface WebSocketTracker {
  add(socket: OpenWebSocket): void;
  readonly size: number;
  /** The session ids behind open sockets. */
  sessionIds(): Set<string>;
  /** Sends a Close frame both ways to every socket that matches, then ends both sides. */
  close(code: number, matches?: (socket: OpenWebSocket) => boolean): number;
}

/** How long a closing pair may take to finish its close handshake before it is cut. */
const CLOSE_LINGER_MS = 1_000;

export function createWebSocketTracker(): WebSocketTracker {
  const open = new Set<OpenWebSocket>();
  return {
    add(socket) {
      open.add(socket);
      // Either side going away takes the other with it.
      const end = () => {
        open.delete(socket);
        socket.client.destroy();
        socket.upstream.destroy();
      };
      socket.client.once('close', end);
      socket.upstream.once('close', end);
    },
    get size() {
      return open.size;
    },
    sessionIds() {
      const ids = new Set<string>();
      for (const socket of open) if (socket.scope.session) ids.add(socket.scope.session.id);
      return ids;
    },
    close(code, matches = () => true) {
      let closed = 0;
      for (const socket of [...open]) {
        if (!matches(socket)) continue;
        closed++;
        open.delete(socket);
        socket.upstream.unpipe?.();
        socket.client.unpipe?.();
        socket.client.end(closeFrame(code, false));
        socket.upstream.end(closeFrame(code, true));
        setTimeout(() => {
          socket.client.destroy();
          socket.upstream.destroy();
        }, CLOSE_LINGER_MS).unref();
      }
      return closed;
    },
  };
}

// Owns the connection to the upstream: one keep-alive undici Pool for HTTP and one
// http-proxy instance for WebSocket upgrades, built from the `upstream` section.

import httpProxy from 'http-proxy';
import { Pool } from 'undici';
import type { GatewayConfig } from '../config/schema.js';
import { createUpstreamConnector } from './early-answer-socket.js';

export interface Upstream {
  /** The upstream section this was built from (compared by value on reload). */
  readonly settings: Readonly<GatewayConfig['upstream']>;
  readonly pool: Pool;
  readonly wsProxy: httpProxy;
  /** Finishes requests in flight, then closes the connections. */
  close(): Promise<void>;
}

/** Creates the pool and the WebSocket proxy for an upstream. */
export function createUpstream(settings: Readonly<GatewayConfig['upstream']>): Upstream {
  const url = new URL(settings.url);
  const pool = new Pool(url.origin, {
    connections: settings.connections,
    pipelining: 1,
    connect: createUpstreamConnector({ timeout: settings.timeouts.connect }),
    headersTimeout: settings.timeouts.headers,
    bodyTimeout: settings.timeouts.idle,
    // An upstream that closes idle sockets at 5s (Node's default) must not race our reuse of them.
    keepAliveTimeout: 4_000,
    keepAliveTimeoutThreshold: 1_000,
  });
  const wsProxy = httpProxy.createProxyServer({
    target: url.origin,
    ws: true,
    xfwd: false,
    // Host is set by the gateway's own header builder.
    changeOrigin: false,
    proxyTimeout: settings.timeouts.headers,
    secure: true,
  });
  return {
    settings,
    pool,
    wsProxy,
    async close() {
      wsProxy.close();
      await pool.close();
    },
  };
}

// createInvoiceApp: wires stores, routes, the WebSocket endpoint and the HTTP server of the demo app.

import type { ScryptOptions } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequestListener } from './dispatch.js';
import { InvoiceBook } from './invoices.js';
import { Router } from './router.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerEventRoutes } from './routes/events.js';
import { registerFileRoutes } from './routes/files.js';
import { registerPasswordResetRoutes } from './routes/password-reset.js';
import { registerPublicRoutes } from './routes/public.js';
import { registerStaticRoutes } from './routes/static.js';
import type { AppServices, Logger } from './services.js';
import { SessionManager } from './sessions.js';
import { OpenStreams } from './streams.js';
import { LENIENT_DOMAIN, LENIENT_SEED_USERS, SEED_USERS, UserStore } from './users.js';
import { EchoSocketServer } from './websocket.js';

export type { Logger } from './services.js';

export interface InvoiceAppOptions {
  /** Issue a fresh session id on sign-in (default). false keeps the old id: session fixation on purpose. */
  rotateSessionOnLogin?: boolean;
  logger?: Logger;
  /**
   * Read logins as lenient frameworks do (off by default), so that the gateway's tests meet
   * real behaviour: credentials from the query on a GET and from the body on any method, JSON
   * sniffed from a form body, and accounts named by e-mail, a short name signing in as
   * `name@corp.example`.
   */
  lenient?: boolean;
  /**
   * scrypt's cost for the accounts' passwords: node's default (16 MiB, ~40 ms a check) when
   * absent. The gateway's tests sign in thousands of times and pass a small one; what a check
   * answers does not depend on it.
   */
  passwordCost?: ScryptOptions;
}

export interface InvoiceApp {
  readonly server: Server;
  readonly services: AppServices;
  /** Starts listening (port 0 picks a free one) and resolves with the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Ends event streams and WebSockets, then stops the server once in-flight requests finish. */
  close(): Promise<void>;
}

const silentLogger: Logger = { info() {}, warn() {}, error() {} };

function buildRouter(services: AppServices): Router {
  const router = new Router();
  registerAuthRoutes(router, services);
  registerPasswordResetRoutes(router, services);
  registerDashboardRoutes(router, services);
  registerFileRoutes(router, services);
  registerEventRoutes(router, services);
  registerPublicRoutes(router, services);
  registerStaticRoutes(router);
  return router;
}

function baseUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(baseUrl(server.address() as AddressInfo));
    });
  });
}

function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Keep-alive connections with no request in flight would otherwise hold close() open.
    server.closeIdleConnections();
  });
}

export function createInvoiceApp(options: InvoiceAppOptions = {}): InvoiceApp {
  const services: AppServices = {
    sessions: new SessionManager({ rotateOnLogin: options.rotateSessionOnLogin ?? true }),
    users: options.lenient
      ? new UserStore(LENIENT_SEED_USERS, LENIENT_DOMAIN, options.passwordCost)
      : new UserStore(SEED_USERS, undefined, options.passwordCost),
    invoices: new InvoiceBook(),
    streams: new OpenStreams(),
    logger: options.logger ?? silentLogger,
    lenient: options.lenient ?? false,
  };
  const sockets = new EchoSocketServer(services);
  const server = createServer(createRequestListener(buildRouter(services), services.logger));
  server.on('upgrade', (req, socket, head) => sockets.handleUpgrade(req, socket, head));

  return {
    server,
    services,
    listen: (port = 0, host = '127.0.0.1') => listen(server, port, host),
    async close() {
      services.streams.endAll();
      await Promise.all([sockets.close(), closeServer(server)]);
    },
  };
}

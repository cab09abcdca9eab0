// Owns the order in which a request is handled. Each stage is built once at start-up;
// this file is the one place that says what runs, in what order:
//
//   1. scope       who is asking (S7), for what (routing path), under which configuration
//   2. refuse      what cannot be read unambiguously (400) or must never be forwarded (405)
//   3. gateway     the gateway's own pages under the prefix, never forwarded
//   4. session     (step-up issue) read the gateway cookie; the vault's upstream cookies
//   5. decide      (step-up / allowlist issues) allow, refuse, send to login, or step up
//   6. forward     to the upstream, streaming both ways; login answers classified there
//
// WebSocket upgrades take the same stages, ending in the WebSocket forwarder.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { ConfigSource } from '../config/source.js';
import { logAccess } from '../ops/access-log.js';
import type { Logger } from '../ops/logger.js';
import { forward } from '../proxy/forward.js';
import type { Upstream } from '../proxy/upstream.js';
import { forwardUpgrade } from '../proxy/websocket.js';
import type { WebSocketTracker } from '../proxy/websocket-tracker.js';
import type { GatewayRoutes } from './gateway-routes.js';
import { isUnderPrefix } from './request-target.js';
import { sendError, sendSocketError } from './respond.js';
import { createScope } from './scope.js';

/** Methods that would reflect or tunnel what the gateway must keep to itself. */
const REFUSED_METHODS = new Set(['TRACE', 'TRACK', 'CONNECT']);

export interface PipelineDeps {
  config: ConfigSource;
  upstream: () => Upstream;
  routes: GatewayRoutes;
  webSockets: WebSocketTracker;
  logger: Logger;
}

export interface Pipeline {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** The reason to refuse before any stage that could forward, or undefined. */
function refusal(method: string, problem: ReturnType<typeof createScope>['problem']) {
  if (problem) return problem;
  if (REFUSED_METHODS.has(method)) return { code: 'METHOD_NOT_ALLOWED' as const, reason: `method ${method}` };
  return undefined;
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const { logger } = deps;
  return {
    handleRequest(req, res) {
      const { scope, problem } = createScope(req, deps.config.current(), performance.now());
      const method = req.method ?? 'GET';
      res.once('close', () => logAccess(logger, scope, method, res.statusCode, !res.writableFinished));

      const refused = refusal(method, problem);
      if (refused) return sendError(scope, req, res, refused.code, refused.reason);

      if (isUnderPrefix(scope.target.routingPath, scope.runtime.config.listen.gateway_prefix)) {
        deps.routes.handle(scope, req, res).catch((error: Error) => {
          logger.error({ event: 'gateway.route_failed', err: error, request_id: scope.id }, 'gateway route failed');
          sendError(scope, req, res, 'INTERNAL', error.message);
        });
        return;
      }

      forward(scope, req, res, deps.upstream(), (code, reason) => sendError(scope, req, res, code, reason));
    },

    handleUpgrade(req, socket, head) {
      const { scope, problem } = createScope(req, deps.config.current(), performance.now());
      const method = req.method ?? 'GET';
      socket.on('error', (error) =>
        logger.debug({ event: 'websocket.socket_error', err: error, request_id: scope.id }),
      );

      const refused = refusal(method, problem);
      if (refused) {
        sendSocketError(scope, socket, refused.code, refused.reason);
        logAccess(logger, scope, method, 400, false);
        return;
      }
      if (isUnderPrefix(scope.target.routingPath, scope.runtime.config.listen.gateway_prefix)) {
        sendSocketError(scope, socket, 'NOT_FOUND', 'no WebSocket under the gateway prefix');
        logAccess(logger, scope, method, 404, false);
        return;
      }
      forwardUpgrade(scope, req, socket, head, deps.upstream(), deps.webSockets, (reason) => {
        sendSocketError(scope, socket, 'UPSTREAM_UNAVAILABLE', reason);
        logAccess(logger, scope, method, 502, false);
      });
      socket.once('close', () => {
        if (!scope.errorCode) logAccess(logger, scope, method, 101, false);
      });
    },
  };
}

// Owns the order in which a request is handled. Each stage is built once at start-up;
// this file is the one place that says what runs, in what order:
//
//   1. scope       who is asking (S7), for what (routing path), under which configuration
//   2. refuse      what cannot be read unambiguously (400) or must never be forwarded (405)
//   3. gateway     the gateway's own pages under the prefix (health, second step, account),
//                  never forwarded
//   4. session     the gateway cookie names a full session, a pending login, or nobody
//   5. decide      access/decide.ts: forward (with the session's or the anonymous vault),
//                  intercept a login, end a session, or send to the login page (S0)
//   6. forward     to the upstream, streaming both ways, the vault's cookies injected
//
// Without a `login` section stages 4 and 5 are skipped: the gateway is a plain proxy.
// WebSocket upgrades take the same stages, ending in the WebSocket forwarder.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { ConfigSource } from '../config/source.js';
import { PasswordHashBusyError } from '../crypto/password-hash.js';
import { isUnderPrefix } from '../net/request-target.js';
import type { Logger } from '../ops/logger.js';
import type { GatewayRoutes } from '../portal/router.js';
import { forward } from '../proxy/forward.js';
import type { Upstream } from '../proxy/upstream.js';
import { forwardUpgrade } from '../proxy/websocket.js';
import type { WebSocketTracker } from '../proxy/websocket-tracker.js';
import type { LoginServices } from '../session/services.js';
import { StoreUnavailableError } from '../store/store.js';
import { logAccess } from './access-log.js';
import type { GatewayErrorCode } from './errors.js';
import { guardRequest, guardUpgrade } from './guard.js';
import { ClientAbortedError } from './read-body.js';
import { watchBodyDeadline } from './request-deadline.js';
import { sendError, sendSocketError } from './respond.js';
import { createScope, type RequestScope } from './scope.js';

/** Methods that would reflect or tunnel what the gateway must keep to itself. */
const REFUSED_METHODS = new Set(['TRACE', 'TRACK', 'CONNECT']);

export interface PipelineDeps {
  config: ConfigSource;
  upstream: () => Upstream;
  routes: GatewayRoutes;
  webSockets: WebSocketTracker;
  logger: Logger;
  /** The login layer's services; absent when the gateway started without a `login` section. */
  login?: LoginServices;
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

/** Why a login-layer request cannot be served: the store is down (S11), or `login` appeared without a restart. */
function loginUnavailable(
  scope: RequestScope,
  deps: PipelineDeps,
): { code: GatewayErrorCode; reason: string } | undefined {
  if (!scope.runtime.config.login || deps.login) return undefined;
  return {
    code: 'STORE_UNAVAILABLE',
    reason: 'a login section was added by a reload; restart the gateway to enable it',
  };
}

/** Maps a failed async stage: store down or answer hashing saturated is a 503 (never a skipped layer), else a 500. */
function stageFailure(error: unknown): { code: GatewayErrorCode; reason: string } {
  if (error instanceof StoreUnavailableError) return { code: 'STORE_UNAVAILABLE', reason: error.message };
  if (error instanceof PasswordHashBusyError) return { code: 'VERIFICATION_BUSY', reason: error.message };
  return { code: 'INTERNAL', reason: (error as Error)?.stack ?? String(error) };
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const { logger } = deps;
  return {
    handleRequest(req, res) {
      const { scope, problem } = createScope(req, deps.config.current(), performance.now());
      const method = req.method ?? 'GET';
      // on(), not once(): 'close' comes once, and once()'s wrapper cost on every request (issue 17).
      res.on('close', () => logAccess(logger, scope, method, res.statusCode, !res.writableFinished));
      // A body that does not arrive in time is answered 408 and its connection closed (RFC 9110 15.5.9).
      watchBodyDeadline(req, scope.runtime.config.listen, () =>
        sendError(scope, req, res, 'REQUEST_TIMEOUT', 'request body not received in time'),
      );
      /** Answers a failed async stage; a client that left mid-request is noted in its access line, not logged as an error. */
      const failed = (event: string) => (error: unknown) => {
        if (error instanceof ClientAbortedError) {
          scope.errorReason = error.message;
          return logger.debug({ event: 'request.client_aborted', request_id: scope.id }, error.message);
        }
        const failure = stageFailure(error);
        if (failure.code === 'INTERNAL') logger.error({ event, err: error, request_id: scope.id }, 'request failed');
        sendError(scope, req, res, failure.code, failure.reason);
      };

      const refused = refusal(method, problem);
      if (refused) return sendError(scope, req, res, refused.code, refused.reason);

      if (isUnderPrefix(scope.target.routingPath, scope.runtime.config.listen.gateway_prefix)) {
        deps.routes.handle(scope, req, res).catch(failed('gateway.route_failed'));
        return;
      }

      const proxy = (forScope: RequestScope) =>
        forward(forScope, req, res, deps.upstream(), (code, reason) => sendError(forScope, req, res, code, reason));
      if (!scope.runtime.config.login) return proxy(scope);
      const unavailable = loginUnavailable(scope, deps);
      if (unavailable) return sendError(scope, req, res, unavailable.code, unavailable.reason);
      // Most requests are guarded and forwarded without a promise (guard.ts); a throw is a failed stage too.
      try {
        guardRequest(scope, req, res, deps.login as LoginServices, proxy)?.catch(failed('pipeline.failed'));
      } catch (error) {
        failed('pipeline.failed')(error);
      }
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
      const proxyUpgrade = () => {
        forwardUpgrade(scope, req, socket, head, deps.upstream(), deps.webSockets, (reason) => {
          sendSocketError(scope, socket, 'UPSTREAM_UNAVAILABLE', reason);
          logAccess(logger, scope, method, 502, false);
        });
        socket.once('close', () => {
          if (!scope.errorCode) logAccess(logger, scope, method, scope.upstreamStatus ?? 101, false);
        });
      };
      if (!scope.runtime.config.login) return proxyUpgrade();
      const unavailable = loginUnavailable(scope, deps);
      if (unavailable) {
        sendSocketError(scope, socket, unavailable.code, unavailable.reason);
        return logAccess(logger, scope, method, 503, false);
      }
      guardUpgrade(scope, req, socket, deps.login as LoginServices).then(
        (outcome) => {
          if (outcome === 'forward') proxyUpgrade();
          else logAccess(logger, scope, method, 401, false);
        },
        (error: unknown) => {
          const failure = stageFailure(error);
          sendSocketError(scope, socket, failure.code, failure.reason);
          logAccess(logger, scope, method, failure.code === 'INTERNAL' ? 500 : 503, false);
        },
      );
    },
  };
}

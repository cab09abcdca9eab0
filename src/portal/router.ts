// Owns the gateway's own paths under the configured prefix (default /_gateway). They are
// answered here and never forwarded; an unknown one is a 404, not a request to the upstream.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConfigSource } from '../config/source.js';
import { sendError, sendJson } from '../http/respond.js';
import type { RequestScope } from '../http/scope.js';
import type { HealthChecker } from '../ops/health.js';
import type { LoginServices } from '../session/services.js';
import { handleAllowlistAdminRoute } from './allowlist-routes.js';
import { handleLoginRoute } from './step-up-routes.js';

export interface GatewayRoutes {
  handle(scope: RequestScope, req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export function createGatewayRoutes(deps: {
  config: ConfigSource;
  health: HealthChecker;
  login?: LoginServices;
}): GatewayRoutes {
  return {
    async handle(scope, req, res) {
      const prefix = scope.runtime.config.listen.gateway_prefix.toLowerCase();
      const route = scope.target.routingPath.slice(prefix.length);
      const readOnly = req.method === 'GET' || req.method === 'HEAD';
      if (route === '/healthz' && readOnly) {
        sendJson(scope, req, res, 200, { status: 'ok' });
        return;
      }
      if (route === '/readyz' && readOnly) {
        const readiness = await deps.health.readiness(scope.runtime, deps.config.fileValid);
        sendJson(scope, req, res, readiness.ready ? 200 : 503, {
          status: readiness.ready ? 'ready' : 'not ready',
          checks: readiness.checks,
        });
        return;
      }
      if (deps.login && (await handleLoginRoute(scope, req, res, route, deps.login))) return;
      if (
        deps.login &&
        (await handleAllowlistAdminRoute(scope, req, res, route, { services: deps.login, file: deps.config.file }))
      )
        return;
      sendError(scope, req, res, 'NOT_FOUND', `no gateway route ${scope.target.path}`);
    },
  };
}

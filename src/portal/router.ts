// Owns the gateway's own paths under the configured prefix (default /_gateway), behind one
// router: health, then every page of the portal. They are answered here and never forwarded;
// an unknown one is a 404, not a request to the upstream. A page is served only after the
// session stage and the access decision (access/decide.ts) ran for it, as for the app's
// paths: the pipeline's guard does not run under the prefix, so the allowlists apply here.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { decide } from '../access/decide.js';
import type { LoginSettings } from '../config/sections/login.js';
import type { ConfigSource } from '../config/source.js';
import { prefersJson } from '../http/error-page.js';
import { sendError, sendJson } from '../http/respond.js';
import type { RequestScope } from '../http/scope.js';
import type { HealthChecker } from '../ops/health.js';
import { refuse } from '../session/refusal.js';
import { allowlistFact, resolveRequestSession } from '../session/request-session.js';
import type { LoginServices } from '../session/services.js';
import { ALLOWLIST_PAGES } from './allowlist-routes.js';
import { CONSOLE_PAGES } from './console-routes.js';
import { servePasskeyScript } from './passkey-assets.js';
import type { PortalPage } from './route-context.js';
import { LOGIN_PAGES } from './step-up-routes.js';

export interface GatewayRoutes {
  handle(scope: RequestScope, req: IncomingMessage, res: ServerResponse): Promise<void>;
}

const PAGES: ReadonlyMap<string, PortalPage> = new Map([...LOGIN_PAGES, ...ALLOWLIST_PAGES, ...CONSOLE_PAGES]);

/** Resolves the session, decides (S3 on the gateway's own pages too), and serves the page. */
async function servePage(
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
  route: string,
  page: PortalPage,
  services: LoginServices,
  configFile: string | undefined,
): Promise<void> {
  if (!page.methods.includes(req.method ?? '')) {
    return sendError(scope, req, res, 'METHOD_NOT_ALLOWED', `${req.method} ${route}`);
  }
  const rs = await resolveRequestSession(scope, req, services);
  const who = rs.session ?? rs.pending;
  const decision = decide({
    route: route === '/logout' ? 'gateway-logout' : 'gateway-page',
    session: rs.state,
    wantsJson: prefersJson(req.headers),
    allowlist: allowlistFact(scope.runtime, scope.client, services, who),
  });
  if (decision.action === 'refuse') {
    return refuse(scope, req, res, services.logger, { reason: decision.reason, who }, 'gateway_page');
  }
  const login = scope.runtime.config.login as LoginSettings;
  const prefix = scope.runtime.config.listen.gateway_prefix;
  await page.serve({ scope, req, res, rs, services, prefix, login, configFile }, route);
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
        const heldBack = deps.config.heldBack;
        sendJson(scope, req, res, readiness.ready ? 200 : 503, {
          status: readiness.ready ? 'ready' : 'not ready',
          checks: readiness.checks,
          // What the file on disk changes that would weaken protection: it waits for a restart.
          ...(heldBack.length > 0 ? { restart_needed: heldBack } : {}),
        });
        return;
      }
      if (readOnly && servePasskeyScript(scope, res, route, req.method === 'HEAD')) return;
      const page = deps.login && scope.runtime.config.login ? PAGES.get(route) : undefined;
      if (page && deps.login) return servePage(scope, req, res, route, page, deps.login, deps.config.file);
      sendError(scope, req, res, 'NOT_FOUND', `no gateway route ${scope.target.path}`);
    },
  };
}

// Owns the access log: one line per request or upgrade, written when it ends.

import { performance } from 'node:perf_hooks';
import { isUnderPrefix } from '../net/request-target.js';
import { type Logger, loggablePath } from '../ops/logger.js';
import { observerOf } from '../ops/observe.js';
import type { RequestScope } from './scope.js';

/** Writes the request's line: what was asked, how it ended, how long it and the upstream took. */
export function logAccess(logger: Logger, scope: RequestScope, method: string, status: number, aborted: boolean): void {
  const line = {
    event: 'request',
    request_id: scope.id,
    method,
    path: loggablePath(scope.target.path, scope.target.search),
    status,
    duration_ms: Math.round((performance.now() - scope.startedAt) * 100) / 100,
    upstream_ms: scope.upstreamMs === undefined ? undefined : Math.round(scope.upstreamMs * 100) / 100,
    client: scope.client.address,
    error_code: scope.errorCode,
    error_reason: scope.errorReason,
    aborted: aborted || undefined,
  };
  if (status >= 500) logger.warn(line);
  else logger.info(line);
  observerOf(logger)?.request({
    status,
    route: scope.upgrade
      ? 'websocket'
      : isUnderPrefix(scope.target.routingPath, scope.runtime.config.listen.gateway_prefix)
        ? 'gateway'
        : 'upstream',
    upstreamMs: scope.upstreamMs,
  });
}

// Owns the access log: one line per request or upgrade, written when it ends. Its fields are
// all computed by the gateway (ACCESS_FIELDS: none is a redacted key, and the path's
// secret-looking query values are censored by loggablePath), so the line is written by
// writeSafeLine without pino's generic redaction pass: a profile of the authenticated GET
// showed that pass, with pino's serialisation, as the largest single cost of the line (about 15
// of the 76 µs a request cost).

import { performance } from 'node:perf_hooks';
import { isUnderPrefix } from '../net/request-target.js';
import { type Logger, loggablePath, writeSafeLine } from '../ops/logger.js';
import { observerOf } from '../ops/observe.js';
import type { RequestScope } from './scope.js';

/** The keys of an access line, in order (test/ops/access-log-line.test.ts holds them apart from the redacted keys). */
export const ACCESS_FIELDS = [
  'event',
  'request_id',
  'method',
  'path',
  'status',
  'duration_ms',
  'upstream_ms',
  'client',
  'error_code',
  'error_reason',
  'aborted',
] as const;

/** A number to two decimals, as JSON. */
const hundredths = (value: number) => Math.round(value * 100) / 100;

/**
 * Printable ASCII but the quote and the backslash: what JSON.stringify writes as it is. The id,
 * the method, the address and most paths are only that, and a check costs a third of
 * JSON.stringify (issue 17).
 */
const PLAIN = /^[ !#-[\]-~]*$/;

/** `,"name":"value"` with the value escaped as JSON.stringify escapes it, or nothing for undefined. */
const text = (name: string, value: string | undefined) =>
  value === undefined ? '' : `,"${name}":${PLAIN.test(value) ? `"${value}"` : JSON.stringify(value)}`;

/**
 * Writes the request's line: what was asked, how it ended, how long it and the upstream took.
 * The JSON is built here, field by field in ACCESS_FIELDS's order, rather than by pino from an
 * object (writeSafeLine says why).
 */
export function logAccess(logger: Logger, scope: RequestScope, method: string, status: number, aborted: boolean): void {
  const level = status >= 500 ? 'warn' : 'info';
  if (logger.isLevelEnabled(level)) {
    let line = `"event":"request"${text('request_id', scope.id)}${text('method', method)}`;
    line += text('path', loggablePath(scope.target.path, scope.target.search));
    line += `,"status":${status},"duration_ms":${hundredths(performance.now() - scope.startedAt)}`;
    if (scope.upstreamMs !== undefined) line += `,"upstream_ms":${hundredths(scope.upstreamMs)}`;
    line += text('client', scope.client.address);
    line += text('error_code', scope.errorCode) + text('error_reason', scope.errorReason);
    if (aborted) line += ',"aborted":true';
    writeSafeLine(logger, level, line);
  }
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

// Owns the tap through which metrics count what the logs already record: every audit event
// (ops/audit.ts) and every finished request (http/access-log.ts) passes one of those two points,
// so the counts and the logs cannot disagree, and no stage needs a metrics call of its own. The
// observer is registered against the gateway's logger, so two gateways in one process (tests)
// count apart, and a process without metrics pays one WeakMap lookup per line.

import type { Logger } from './logger.js';

/** A finished request or WebSocket, as the access log writes it. */
export interface RequestFacts {
  readonly status: number;
  /** gateway: a page under the prefix; upstream: forwarded (or refused before); websocket: an upgrade. */
  readonly route: 'gateway' | 'upstream' | 'websocket';
  /** Time spent waiting for the upstream's answer, when it was asked. */
  readonly upstreamMs?: number;
}

export interface OpsObserver {
  audit(event: string, facts: Readonly<Record<string, unknown>>): void;
  request(facts: RequestFacts): void;
}

const observers = new WeakMap<Logger, OpsObserver>();

/** Sends what `logger` records as audit events and access lines to `observer` too. */
export function observeLogger(logger: Logger, observer: OpsObserver): void {
  observers.set(logger, observer);
}

/** The observer of `logger`, if any. */
export function observerOf(logger: Logger): OpsObserver | undefined {
  return observers.get(logger);
}

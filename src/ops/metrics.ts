// Owns the gateway's Prometheus metrics (prom-client): their names, labels and buckets in one
// place (the README lists each), fed by the ops tap (observe.ts: audit events and finished
// requests), by the store's observer (store calls) and, at scrape time, by the gauges' readers
// (the argon2 queue, open WebSockets). A registry of its own per gateway, so that two gateways
// in one process (tests) never share counts.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { OpsObserver, RequestFacts } from './observe.js';

/** What the store reports of each call (store/observed.ts). */
export interface StoreCallObserver {
  call(operation: string, seconds: number, failed: boolean): void;
}

/** What the gauges read when scraped; set once the services exist. */
export interface MetricsReaders {
  hashQueue?(): { running: number; waiting: number };
  webSockets?(): number;
}

export interface GatewayMetrics extends OpsObserver, StoreCallObserver {
  readonly registry: Registry;
  readonly readers: MetricsReaders;
  /** A configuration reload: applied, or refused (the last good one kept). */
  configReload(outcome: 'ok' | 'failed'): void;
}

/** Upstream answers: from a cached page (1 ms) to a slow report (30 s). */
const UPSTREAM_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Store calls: LMDB reads take microseconds, a flushed write or a Redis round trip milliseconds. */
const STORE_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** The login outcome of each login audit event. */
const LOGIN_OUTCOMES: Readonly<Record<string, string>> = {
  'login.succeeded': 'succeeded',
  'login.step_up_required': 'step_up_required',
  'login.password_failed': 'password_failed',
  'login.refused': 'refused',
  'lockout.refused': 'locked_out',
  // Put off a moment (too many users being checked from one address at once): neither refused
  // nor locked, and a storm of them is what an operator looks for when people report 503s.
  'lockout.busy': 'busy',
};

/** "questions change" -> "questions_change": a check's label (portal/route-context.ts) as a label value. */
const asLabel = (value: unknown, fallback: string) =>
  typeof value === 'string' && value !== '' ? value.replace(/[^a-z0-9]+/gi, '_').toLowerCase() : fallback;

/** Creates the metrics of one gateway; `version` is the package's, for gateway_build_info. */
export function createGatewayMetrics(version: string): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const readers: MetricsReaders = {};

  const requests = new Counter({
    name: 'gateway_requests_total',
    help: 'Requests and WebSocket upgrades finished, by status class and route kind.',
    labelNames: ['status_class', 'route'],
    registers: [registry],
  });
  const upstream = new Histogram({
    name: 'gateway_upstream_duration_seconds',
    help: "Time from forwarding a request to the end of the upstream's answer.",
    buckets: UPSTREAM_BUCKETS,
    registers: [registry],
  });
  const logins = new Counter({
    name: 'gateway_logins_total',
    help: "Logins through the app's form, by outcome.",
    labelNames: ['outcome'],
    registers: [registry],
  });
  const secondSteps = new Counter({
    name: 'gateway_second_steps_total',
    help: 'Second-step checks (and factor changes confirmed by one), by factor and outcome.',
    labelNames: ['factor', 'outcome'],
    registers: [registry],
  });
  const locks = new Counter({
    name: 'gateway_lockouts_started_total',
    help: 'Lockouts started, by layer (password form or second step).',
    labelNames: ['layer'],
    registers: [registry],
  });
  const allowlistRefusals = new Counter({
    name: 'gateway_allowlist_refusals_total',
    help: 'Requests and logins refused by a staff IP allowlist.',
    registers: [registry],
  });
  const sessions = new Counter({
    name: 'gateway_sessions_started_total',
    help: 'Full gateway sessions started (a login without a second step owed, or one that passed it).',
    registers: [registry],
  });
  const sessionsEnded = new Counter({
    name: 'gateway_sessions_ended_total',
    help: 'Gateway sessions ended by a logout or a revocation (expiry is not counted).',
    labelNames: ['reason'],
    registers: [registry],
  });
  const pending = new Counter({
    name: 'gateway_pending_logins_total',
    help: 'Pending logins (password accepted, second step owed), by how they ended: started, abandoned, expired, evicted.',
    labelNames: ['event'],
    registers: [registry],
  });
  const storeCalls = new Histogram({
    name: 'gateway_store_duration_seconds',
    help: 'Store calls, by operation.',
    labelNames: ['operation'],
    buckets: STORE_BUCKETS,
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'gateway_store_errors_total',
    help: 'Store calls that failed (store unreachable or failing: the gateway answered 503), by operation.',
    labelNames: ['operation'],
    registers: [registry],
  });
  const reloads = new Counter({
    name: 'gateway_config_reloads_total',
    help: 'Configuration reloads: ok (applied) or failed (refused, the last good one kept).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  new Gauge({
    name: 'gateway_argon2_operations',
    help: 'Argon2 checks (security-question answers) running and waiting for a turn.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const load = readers.hashQueue?.() ?? { running: 0, waiting: 0 };
      this.set({ state: 'running' }, load.running);
      this.set({ state: 'waiting' }, load.waiting);
    },
  });
  new Gauge({
    name: 'gateway_websockets_open',
    help: 'WebSockets open through the gateway.',
    registers: [registry],
    collect() {
      this.set(readers.webSockets?.() ?? 0);
    },
  });
  new Gauge({
    name: 'gateway_build_info',
    help: 'Always 1; the labels say which gateway and Node.js version run.',
    labelNames: ['version', 'node'],
    registers: [registry],
  }).set({ version, node: process.version }, 1);
  // Zero series from the start, so that dashboards and rate() see them before the first event.
  for (const outcome of new Set(Object.values(LOGIN_OUTCOMES))) logins.inc({ outcome }, 0);
  for (const outcome of ['ok', 'failed']) reloads.inc({ outcome }, 0);
  allowlistRefusals.inc(0);
  sessions.inc(0);

  return {
    registry,
    readers,
    request({ status, route, upstreamMs }: RequestFacts) {
      requests.inc({ status_class: `${Math.floor(status / 100)}xx`, route });
      if (upstreamMs !== undefined) upstream.observe(upstreamMs / 1000);
    },
    audit(event, facts) {
      const outcome = LOGIN_OUTCOMES[event];
      if (outcome) logins.inc({ outcome });
      switch (event) {
        case 'login.succeeded':
          sessions.inc();
          break;
        case 'login.step_up_required':
          pending.inc({ event: 'started' });
          break;
        case 'step_up.abandoned':
          pending.inc({ event: 'abandoned' });
          break;
        case 'step_up.expired':
          pending.inc({ event: 'expired' });
          break;
        case 'step_up.evicted':
          pending.inc({ event: 'evicted' });
          break;
        case 'step_up.passed':
          sessions.inc();
          secondSteps.inc({ factor: asLabel(facts.method, 'unknown'), outcome: 'passed' });
          break;
        case 'step_up.failed':
          secondSteps.inc({ factor: asLabel(facts.check, 'unknown'), outcome: 'failed' });
          break;
        case 'lockout.started':
          locks.inc({ layer: asLabel(facts.layer, 'unknown') });
          break;
        case 'allowlist.refused':
          allowlistRefusals.inc();
          break;
        case 'session.logout':
        case 'session.revoked':
          sessionsEnded.inc({ reason: event === 'session.logout' ? 'logout' : 'revoked' });
          break;
      }
    },
    call(operation, seconds, failed) {
      storeCalls.observe({ operation }, seconds);
      if (failed) storeErrors.inc({ operation });
    },
    configReload(outcome) {
      reloads.inc({ outcome });
    },
  };
}

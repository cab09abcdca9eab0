// Owns assembly: builds every stage once from the configuration source and a logger, starts
// listening, and knows how to stop it all in order. The CLI and the tests both start here.

import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { createSharedAllowlistEditor } from './allowlist/editors.js';
import { createAllowlistProvider } from './allowlist/provider.js';
import type { ConfigSource } from './config/source.js';
import { createLoginServices } from './create-services.js';
import type { Argon2Cost } from './crypto/password-hash.js';
import { createPipeline } from './http/pipeline.js';
import { createGatewayServer } from './http/server.js';
import { startPendingSweep } from './intercept/pending-expiry.js';
import { startAuditRecovery } from './ops/audit-recovery.js';
import { createHealthChecker } from './ops/health.js';
import type { Logger } from './ops/logger.js';
import { startMetricsServer } from './ops/metrics-server.js';
import { observeLogger } from './ops/observe.js';
import { gatewayVersion } from './ops/version.js';
import { createGatewayRoutes } from './portal/router.js';
import { createUpstream, type Upstream } from './proxy/upstream.js';
import { CLOSE_GOING_AWAY } from './proxy/websocket-frames.js';
import { createWebSocketTracker, type WebSocketTracker } from './proxy/websocket-tracker.js';
import type { LoginServices } from './session/services.js';
import { sweepWebSockets, WEBSOCKET_SWEEP_MS } from './session/websocket-sweep.js';

export interface Gateway {
  readonly address: AddressInfo;
  /** "http://127.0.0.1:8080" (https with TLS). */
  readonly url: string;
  readonly webSockets: WebSocketTracker;
  /** The login layer, when a `login` section is configured (tests and the CLI reach its store). */
  readonly login?: LoginServices;
  /** "http://127.0.0.1:9464/metrics", when a `metrics` section is configured. */
  readonly metricsUrl?: string;
  /** Graceful stop: no new connections, WebSockets closed, requests finished within the grace period. */
  shutdown(): Promise<void>;
}

export interface GatewayOptions {
  config: ConfigSource;
  logger: Logger;
  /** The clock of sessions, lockouts and TOTP (tests move it). */
  now?: () => number;
  /**
   * A worker of `gateway start --workers N`: its metrics go to the primary, which alone listens
   * on the metrics address (metrics-cluster.ts).
   */
  metricsToPrimary?: boolean;
  /**
   * The argon2 cost of the answers' hashes (tests: a hash of 1 MiB, which a loaded machine does
   * not make a minute-long wait behind the nice-19 helper); the production cost otherwise.
   */
  hashCost?: Argon2Cost;
}

export async function startGateway({
  config,
  logger,
  now,
  metricsToPrimary,
  hashCost,
}: GatewayOptions): Promise<Gateway> {
  const initial = config.current().config;
  let upstream: Upstream = createUpstream(initial.upstream);
  const webSockets = createWebSocketTracker();
  // Metrics count what the logger records (audit events, access lines) and the store's calls.
  // prom-client is loaded only when metrics are configured (RSS, issue 17).
  const metrics = initial.metrics
    ? (await import('./ops/metrics.js')).createGatewayMetrics(gatewayVersion())
    : undefined;
  if (metrics) {
    observeLogger(logger, metrics);
    metrics.readers.webSockets = () => webSockets.size;
    config.onChange(() => metrics.configReload('ok'));
    config.onRejected(() => metrics.configReload('failed'));
  }

  config.onChange((next, previous) => {
    logger.level = next.config.logging.level;
    if (!isDeepStrictEqual(next.config.upstream, upstream.settings)) {
      const old = upstream;
      upstream = createUpstream(next.config.upstream);
      // Requests in flight on the old pool finish; new ones use the new upstream.
      old.close().catch((error: Error) => logger.warn({ event: 'upstream.close_failed', err: error }));
    }
    if (!isDeepStrictEqual(next.config.listen, previous.config.listen)) {
      logger.warn({ event: 'config.restart_needed', section: 'listen' }, 'listen settings change at the next restart');
    }
  });

  const login = initial.login
    ? await createLoginServices({
        config: () => config.current().config,
        upstream: () => upstream,
        webSockets,
        allowlists: await createAllowlistProvider({ config: () => config.current(), logger }),
        allowlistEditor: createSharedAllowlistEditor({
          file: config.file,
          canonicalUser: (name) => config.current().canonicalUser(name),
        }),
        logger,
        now,
        storeObserver: metrics,
        hashCost,
      })
    : undefined;
  if (metrics && login) metrics.readers.hashQueue = () => login.hasher.load();
  if (metrics && metricsToPrimary) (await import('./ops/metrics-cluster.js')).shareWithPrimary(metrics.registry);
  const metricsServer =
    metrics && initial.metrics && !metricsToPrimary
      ? await startMetricsServer(initial.metrics, metrics.registry)
      : undefined;
  const sweep = login
    ? setInterval(() => sweepWebSockets(webSockets, login, config.current()), WEBSOCKET_SWEEP_MS)
    : undefined;
  sweep?.unref();
  const stopPendingSweep = login ? startPendingSweep(login, () => config.current()) : undefined;
  // Audit events of factor changes a gateway made before it died (issue 13).
  const stopAuditRecovery = login ? startAuditRecovery({ store: login.store, logger, now: login.now }) : undefined;

  const pipeline = createPipeline({
    config,
    upstream: () => upstream,
    routes: createGatewayRoutes({ config, health: createHealthChecker(), login }),
    webSockets,
    logger,
    login,
  });
  const server = createGatewayServer(initial.listen, pipeline, logger, (address) =>
    config.current().trustedProxies.contains(address),
  );
  const address = await server.listen();
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${initial.listen.tls ? 'https' : 'http'}://${host}:${address.port}`;

  let stopping: Promise<void> | undefined;
  return {
    address,
    url,
    webSockets,
    login,
    metricsUrl: metricsServer?.url,
    shutdown() {
      stopping ??= (async () => {
        clearInterval(sweep);
        stopPendingSweep?.();
        webSockets.close(CLOSE_GOING_AWAY);
        await server.drain(config.current().config.listen.shutdown_grace);
        await metricsServer?.close();
        await upstream.close();
        await stopAuditRecovery?.();
        await login?.auditTrail.settled();
        await login?.store.close();
        await login?.allowlists.close();
        await login?.allowlistEditor.close();
        login?.hasher.close();
        config.close();
      })();
      return stopping;
    },
  };
}

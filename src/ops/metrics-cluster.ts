// Owns the metrics of `gateway start --workers N`: each worker keeps its own registry and
// answers the primary's requests for it; the primary alone listens on the metrics address and
// serves the sum over its workers (prom-client's cluster aggregation), so that a scrape sees the
// whole gateway rather than whichever worker the connection landed on.

import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MetricsSource } from './metrics-server.js';

/** In a worker: lets the primary read `registry` (the constructor installs the worker's listener). */
export function shareWithPrimary(registry: Registry): void {
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

/** In the primary: every worker's metrics, summed, as the metrics listener serves them. */
export function workersMetrics(): MetricsSource {
  const aggregator = new AggregatorRegistry();
  return { metrics: () => aggregator.clusterMetrics(), contentType: aggregator.contentType };
}

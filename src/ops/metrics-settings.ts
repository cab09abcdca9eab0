// Owns the `metrics` section of gateway.yaml: whether the gateway serves Prometheus metrics, on
// which address (a listener of its own, loopback by default, so that the public port never
// shows them) and whether a scrape needs a bearer token (read from a file, never inline).

import { z } from 'zod';

export const DEFAULT_METRICS_PORT = 9464;

export const metricsSchema = z
  .strictObject({
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe('Address of the metrics listener; loopback by default (0.0.0.0 for a scraper on another host).'),
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(DEFAULT_METRICS_PORT)
      .describe('Port of the metrics listener (GET /metrics); 0 picks a free one.'),
    token_file: z
      .string()
      .min(1)
      .optional()
      .describe('File holding a bearer token that a scrape must send (Authorization: Bearer ...); none: no token.'),
  })
  .optional()
  .describe('Prometheus metrics on a listener of their own; absent: no metrics listener. Read at start-up.');

export type MetricsSettings = NonNullable<z.output<typeof metricsSchema>>;

// Owns `gateway start`: load the configuration, start the gateway, stop it gracefully on
// SIGTERM or SIGINT, re-read the configuration on SIGHUP. With --workers N (N > 1) this process
// becomes the primary of N worker processes (workers.ts), each of which runs this same command.

import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { type ConfigSource, createFileConfigSource } from '../config/source.js';
import { loadKeys } from '../crypto/keys.js';
import { createLogger, type Logger } from '../ops/logger.js';
import { startMetricsServer } from '../ops/metrics-server.js';
import { CommandError, positionals, readArgs } from './command.js';
import { parseWorkerCount, workersRefusal } from './worker-policy.js';
import { superviseWorkers, WORKER_NUMBER_ENV, WORKER_READY } from './workers.js';

/** Runs `gateway start [--config FILE] [--workers N|auto]`; resolves with the exit code once it has stopped. */
export async function startCommand(argv: readonly string[]): Promise<number> {
  const args = readArgs(argv, [], ['workers']);
  positionals(args, [], 'start');
  const workers = parseWorkerCount(args.options.get('workers'), availableParallelism());
  // The level is known only after the configuration is read; a failure to read it is reported at info.
  const base = createLogger({ level: 'info' });
  const worker = cluster.isWorker ? Number(process.env[WORKER_NUMBER_ENV]) : undefined;
  const logger = worker === undefined ? base : base.child({ worker });
  // An invalid file throws ConfigInvalidError, which main.ts reports as every other command's.
  const config = await createFileConfigSource(args.config, logger);
  const initial = config.current().config;
  logger.level = initial.logging.level;
  if (worker !== undefined) {
    const code = await serve(config, logger, ['SIGTERM']);
    // Leaves the primary's channel, so that the process ends once its last log line is written.
    cluster.worker?.disconnect();
    return code;
  }
  if (workers === 1) return serve(config, logger, ['SIGTERM', 'SIGINT']);

  const refusal = workersRefusal(initial, workers);
  config.close();
  if (refusal) throw new CommandError(refusal);
  // Generated keys are created here, once, so that no two workers race to create different ones.
  if (initial.login) await loadKeys(initial.keys, initial.data_dir);
  const metrics = initial.metrics
    ? await startMetricsServer(initial.metrics, (await import('../ops/metrics-cluster.js')).workersMetrics())
    : undefined;
  if (metrics) logger.info({ event: 'gateway.metrics_started', url: metrics.url }, `metrics on ${metrics.url}`);
  try {
    return await superviseWorkers({ workers, logger, graceMs: initial.listen.shutdown_grace });
  } finally {
    await metrics?.close();
  }
}

/**
 * Runs one gateway until one of `stopSignals`. A worker stops on SIGTERM only: the primary
 * sends it one when it gets SIGINT, and Ctrl-C in a terminal signals the whole group, so a
 * worker that also stopped on SIGINT would take the primary's SIGTERM as a second, fatal signal.
 */
async function serve(config: ConfigSource, logger: Logger, stopSignals: readonly NodeJS.Signals[]): Promise<number> {
  // Imported here, not at the top: the primary of --workers N never serves, and loading the whole
  // gateway there cost it about 24 MB of memory (95 MB, now 72 MB) for nothing.
  const { startGateway } = await import('../gateway.js');
  const gateway = await startGateway({ config, logger, metricsToPrimary: cluster.isWorker });
  logger.info(
    { event: 'gateway.started', url: gateway.url, upstream: config.current().config.upstream.url, pid: process.pid },
    `gateway listening on ${gateway.url}`,
  );
  if (cluster.isWorker) {
    process.send?.({ event: WORKER_READY, url: gateway.url });
    process.on('SIGINT', () => {});
  }

  const stop = async (signal: string) => {
    logger.info({ event: 'gateway.stopping', signal }, 'stopping: finishing requests in flight');
    await gateway.shutdown();
    logger.info({ event: 'gateway.stopped' }, 'stopped');
    logger.flush();
  };
  return new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      for (const name of stopSignals) process.off(name, onSignal);
      // A stop sent to the whole process group (systemd's default for a service, kill -- -PGID)
      // reaches a worker twice: directly, then from the primary. The second must not end the
      // drain; the primary kills a worker that outlives the grace anyway.
      if (cluster.isWorker) for (const name of stopSignals) process.on(name, () => {});
      stop(signal).then(
        () => resolve(0),
        (error: Error) => {
          logger.error({ event: 'gateway.stop_failed', err: error }, 'stop failed');
          resolve(1);
        },
      );
    };
    for (const name of stopSignals) process.on(name, onSignal);
    process.on('SIGHUP', () => void config.reload());
  });
}

// Owns the primary process of `gateway start --workers N`: it forks N workers (node:cluster) that
// share the listening port (the primary accepts and hands connections round-robin, so that one
// worker does not take them all) and the store; it replaces a worker that dies, waiting longer
// after each death in a row (worker-policy.ts), forwards SIGHUP, and on SIGTERM or SIGINT stops
// every worker with the gateway's own drain. A worker is `gateway start` in one process
// (start.ts), which tells the primary when it listens.

import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../ops/logger.js';
import { CRASH_WINDOW_MS, restartDelay } from './worker-policy.js';

/** The message a worker sends once it listens. */
export const WORKER_READY = 'gateway.worker_ready';
/** The environment variable that gives a worker its number (1..N), kept across replacements. */
export const WORKER_NUMBER_ENV = 'GATEWAY_WORKER';
/** Past each worker's own drain (listen.shutdown_grace), how long the primary waits before SIGKILL. */
const KILL_AFTER_GRACE_MS = 10_000;

export interface SupervisorOptions {
  workers: number;
  logger: Logger;
  /** listen.shutdown_grace: how long each worker drains on SIGTERM. */
  graceMs: number;
}

/**
 * Runs the workers until SIGTERM or SIGINT; resolves with the exit code: 0 when every worker
 * stopped cleanly, 1 when one did not, or when one exited before the first start was complete
 * (a configuration or port that cannot work would otherwise be retried forever).
 */
export function superviseWorkers({ workers, logger, graceMs }: SupervisorOptions): Promise<number> {
  const numbers = new Map<Worker, number>();
  const restarts = new Set<NodeJS.Timeout>();
  let deaths: number[] = [];
  let started = 0;
  let startComplete = false;
  let stopping = false;
  let exitCode = 0;
  let killTimer: NodeJS.Timeout | undefined;

  const fork = (number: number) => {
    const worker = cluster.fork({ [WORKER_NUMBER_ENV]: String(number) });
    numbers.set(worker, number);
    worker.on('message', (message: { event?: string; url?: string }) => {
      if (message?.event !== WORKER_READY) return;
      logger.info(
        { event: 'gateway.worker_started', worker: number, pid: worker.process.pid },
        `worker ${number} ready`,
      );
      if (!startComplete && ++started === workers) {
        startComplete = true;
        logger.info(
          { event: 'gateway.workers_started', workers, url: message.url, pid: process.pid },
          `${workers} workers listening on ${message.url}`,
        );
      }
    });
  };

  return new Promise<number>((resolve) => {
    const finish = () => {
      clearTimeout(killTimer);
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
      process.off('SIGHUP', onReload);
      cluster.off('exit', onExit);
      logger.info({ event: 'gateway.stopped' }, 'stopped');
      resolve(exitCode);
    };
    const stopAll = () => {
      stopping = true;
      for (const timer of restarts) clearTimeout(timer);
      restarts.clear();
      if (numbers.size === 0) return finish();
      for (const worker of numbers.keys()) worker.process.kill('SIGTERM');
      killTimer = setTimeout(() => {
        for (const worker of numbers.keys()) worker.process.kill('SIGKILL');
      }, graceMs + KILL_AFTER_GRACE_MS);
    };
    const onStop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      logger.info({ event: 'gateway.stopping', signal }, 'stopping every worker: finishing requests in flight');
      stopAll();
    };
    const onReload = () => {
      for (const worker of numbers.keys()) worker.process.kill('SIGHUP');
    };
    const onExit = (worker: Worker, code: number | null, signal: string | null) => {
      const number = numbers.get(worker) as number;
      numbers.delete(worker);
      if (stopping) {
        if (code !== 0) exitCode = 1;
        if (numbers.size === 0) finish();
        return;
      }
      const pid = worker.process.pid;
      if (!startComplete) {
        logger.error(
          { event: 'gateway.worker_start_failed', worker: number, pid, code, signal },
          `worker ${number} exited before it listened: stopping the others`,
        );
        exitCode = 1;
        stopAll();
        return;
      }
      const now = Date.now();
      deaths = [...deaths.filter((at) => now - at < CRASH_WINDOW_MS), now];
      const delay = restartDelay(deaths, now);
      logger.error(
        { event: 'gateway.worker_died', worker: number, pid, code, signal, restart_in_ms: delay },
        `worker ${number} died: replacing it in ${delay} ms`,
      );
      const timer = setTimeout(() => {
        restarts.delete(timer);
        fork(number);
      }, delay);
      restarts.add(timer);
    };

    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    process.on('SIGHUP', onReload);
    cluster.on('exit', onExit);
    logger.info({ event: 'gateway.workers_starting', workers, pid: process.pid }, `starting ${workers} workers`);
    for (let number = 1; number <= workers; number++) fork(number);
  });
}

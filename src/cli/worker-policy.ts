// Owns the decisions of `gateway start --workers N` as pure functions: how many workers, whether
// the configuration allows more than one, and how long to wait before replacing one that died.

import type { GatewayConfig } from '../config/schema.js';
import { UsageError } from './command.js';

/** The number of worker processes `--workers` asks for: a positive integer, or `auto` (one per core). */
export function parseWorkerCount(text: string | undefined, cores: number): number {
  if (text === undefined) return 1;
  if (text === 'auto') return Math.max(1, cores);
  if (!/^[1-9][0-9]{0,2}$/.test(text)) {
    throw new UsageError(`--workers takes a number of processes (1 to 999) or auto, got "${text}"`);
  }
  return Number(text);
}

/**
 * Why this configuration cannot run in `workers` processes, or undefined when it can. The memory
 * store lives in one process: with two, a session opened by one worker would be unknown to the
 * other, and every lockout would count each process's failures apart (N times the limit).
 */
export function workersRefusal(config: Readonly<GatewayConfig>, workers: number): string | undefined {
  if (workers > 1 && config.store.type === 'memory') {
    return `--workers ${workers} needs a store the processes share: store.type memory keeps sessions and lockouts inside one process; use store.type lmdb (the default) or redis, or --workers 1`;
  }
  return undefined;
}

/** Deaths within this window count towards the back-off; a worker that lived longer resets it. */
export const CRASH_WINDOW_MS = 60_000;
/** The first replacement waits this long; each further death in the window doubles it. */
export const FIRST_RESTART_MS = 100;
/** The longest wait between replacements, so that a crash loop costs one start per half-minute. */
export const MAX_RESTART_MS = 30_000;

/**
 * How long to wait before replacing a worker, given the times at which workers died (this
 * death included): 100 ms for a lone death, doubling with each death within the last minute,
 * at most 30 s, so that a worker that dies at once on every start does not spin the CPU.
 */
export function restartDelay(deaths: readonly number[], now: number): number {
  const recent = deaths.filter((at) => now - at < CRASH_WINDOW_MS).length;
  return Math.min(MAX_RESTART_MS, FIRST_RESTART_MS * 2 ** Math.max(0, recent - 1));
}

// Owns RSS sampling: reads a process's (or a process tree's) VmRSS every 100 ms and keeps the peak, because a
// peak between two reads of a streaming proxy is what the memory targets are about; and a process
// set's footprint (the gateway with its argon2 helper), counting the pages they share once.

import { cachedProcessTree, privateBytes, rssBytes } from './proc-stat.js';

export interface RssSampler {
  /** Highest VmRSS seen so far, in bytes. */
  peak(): number;
  /** Stops sampling and returns the peak. */
  stop(): number;
}

/**
 * Starts sampling every `intervalMs` (100 by default), with a first sample at once: a pid's
 * VmRSS, or what `read` returns (the sum over a process tree).
 */
export function sampleRss(source: number | (() => number), intervalMs = 100): RssSampler {
  const read = typeof source === 'number' ? () => rssBytes(source) : source;
  let peak = read();
  const timer = setInterval(() => {
    peak = Math.max(peak, read());
  }, intervalMs);
  return {
    peak: () => peak,
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, read());
      return peak;
    },
  };
}

/** Peaks of a process and the processes it spawned, sampled together (in bytes). */
export interface ProcessSetPeaks {
  /** The process's own VmRSS. */
  root: number;
  /** The spawned processes' VmRSS, summed (each counts the node binary's pages again). */
  others: number;
  /**
   * The set's footprint: the root's VmRSS plus what the others add, their private pages
   * (proc-stat.privateBytes), so that the pages they share with the root count once.
   */
  footprint: number;
}

/**
 * Samples a process (the gateway) and its descendants (its argon2 helper, started at the first
 * hash) every `intervalMs`. Each peak is of values read at one instant: the footprint's peak is
 * of the sum, not the sum of two peaks that may not coincide.
 */
export function sampleProcessSet(
  rootPid: number,
  intervalMs = 100,
): { peaks(): ProcessSetPeaks; stop(): ProcessSetPeaks } {
  const tree = cachedProcessTree(rootPid);
  const peaks: ProcessSetPeaks = { root: 0, others: 0, footprint: 0 };
  const read = () => {
    const others = tree().filter((pid) => pid !== rootPid);
    const root = rssBytes(rootPid);
    const othersRss = others.reduce((sum, pid) => sum + rssBytes(pid), 0);
    const othersPrivate = others.reduce((sum, pid) => sum + privateBytes(pid), 0);
    peaks.root = Math.max(peaks.root, root);
    peaks.others = Math.max(peaks.others, othersRss);
    peaks.footprint = Math.max(peaks.footprint, root + othersPrivate);
  };
  read();
  const timer = setInterval(read, intervalMs);
  return {
    peaks: () => ({ ...peaks }),
    stop() {
      clearInterval(timer);
      read();
      return { ...peaks };
    },
  };
}

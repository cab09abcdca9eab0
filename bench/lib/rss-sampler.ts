// Owns RSS sampling: reads a process's (or a process tree's) VmRSS every 100 ms and keeps the peak, because a
// peak between two reads of a streaming proxy is what the memory targets are about.

import { rssBytes } from './proc-stat.js';

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

// Owns RSS sampling: reads a process's VmRSS every 100 ms and keeps the peak, because a
// peak between two reads of a streaming proxy is what the memory targets are about.

import { rssBytes } from './proc-stat.js';

export interface RssSampler {
  /** Highest VmRSS seen so far, in bytes. */
  peak(): number;
  /** Stops sampling and returns the peak. */
  stop(): number;
}

/** Starts sampling `pid` every `intervalMs` (100 by default), with a first sample at once. */
export function sampleRss(pid: number, intervalMs = 100): RssSampler {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
  }, intervalMs);
  return {
    peak: () => peak,
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, rssBytes(pid));
      return peak;
    },
  };
}

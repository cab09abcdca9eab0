// Owns warming a target up before it is measured. V8 compiles a function to fast code only once
// it has run often enough, and every process compiles its own: a gateway worker learns nothing
// from the other. Measured by wrk in 1-second slices, a fresh gateway process spent 700-2,500 µs
// of CPU per authenticated GET over its first ~2,000 requests and settled near 150 µs only past
// ~5,000; a fixed warm-up time gave `--workers 2` half the requests per process that one worker
// had, so the bench measured it cold and reported it several times slower (issue 17). The
// warm-up therefore lasts until every process of the target has had its share of requests.

import type { RunningTarget } from '../servers/targets.js';
import { runWrk, type WrkRun } from './wrk.js';

/** Requests per serving process before a measurement: past the compile-bound start above. */
export const WARM_REQUESTS_PER_PROCESS = 6_000;
/** A target slower than this warms up this long and no longer, so that the run still ends. */
const MAX_WARMUP_SECONDS = 45;

/**
 * Runs wrk on the target for at least `minSeconds`, then again until it has sent
 * WARM_REQUESTS_PER_PROCESS for each of the target's serving processes.
 */
export async function warmUp(run: Omit<WrkRun, 'seconds'>, target: RunningTarget, minSeconds: number): Promise<void> {
  const wanted = WARM_REQUESTS_PER_PROCESS * (target.processes ?? 1);
  let sent = 0;
  let spent = 0;
  let seconds = minSeconds;
  while (seconds > 0) {
    const result = await runWrk({ ...run, seconds });
    sent += result.requests;
    spent += seconds;
    // The next slice at the rate just seen; a process speeds up as it warms, so this overshoots rather than loops.
    const rate = result.requests / result.seconds;
    seconds = Math.min(Math.ceil((wanted - sent) / Math.max(rate, 1)), MAX_WARMUP_SECONDS - spent);
  }
}

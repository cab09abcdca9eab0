// Owns the arithmetic of reporting: medians over rounds, percentiles of samples, ratios.

/** The median of the finite values, or NaN when there are none. */
export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The p-th percentile (0-100) of an ascending array, nearest-rank as wrk and HdrHistogram report it. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** a / b, NaN when either is missing or b is zero. */
export function ratio(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return Number.NaN;
  return a / b;
}

/**
 * The median over rounds of top[i][metric] / bottom[i][metric], each pair measured in the same
 * round. Launches of one program vary by up to 40%, so a ratio of two medians taken from
 * different rounds is noisier than the median of per-round ratios. NaN when the rounds differ.
 */
export function pairedRatio(
  top: readonly Record<string, number>[] | undefined,
  bottom: readonly Record<string, number>[] | undefined,
  metric: string,
  bottomMetric = metric,
): number {
  if (!top || !bottom || top.length === 0 || top.length !== bottom.length) return Number.NaN;
  return median(top.map((round, i) => ratio(round[metric], bottom[i]?.[bottomMetric])));
}

/** Metrics of every round, then the median of each metric. */
export function medians(rounds: readonly Record<string, number>[]): Record<string, number> {
  const names = new Set(rounds.flatMap((round) => Object.keys(round)));
  const result: Record<string, number> = {};
  for (const name of names) result[name] = median(rounds.map((round) => round[name] ?? Number.NaN));
  return result;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

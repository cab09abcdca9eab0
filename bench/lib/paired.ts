// Owns the order and arithmetic of paired measurements (scenarios/paired-ratios.ts): two sides
// measured in alternating bursts, so that both see the same machine, and the ratio of each pair.

import { ratio } from './stats.js';

export type Side = 'top' | 'bottom';

export interface Pair {
  top: number;
  bottom: number;
}

/** The sides of pair `index` in measuring order: A B, then B A, and so on (A B B A A B…), so that a steady drift favours neither side. */
export function pairOrder(index: number): readonly [Side, Side] {
  return index % 2 === 0 ? ['top', 'bottom'] : ['bottom', 'top'];
}

/** Measures `count` pairs, one side after the other in pairOrder. */
export async function alternatingPairs(count: number, measure: (side: Side) => Promise<number>): Promise<Pair[]> {
  const pairs: Pair[] = [];
  for (let index = 0; index < count; index++) {
    const pair: Pair = { top: Number.NaN, bottom: Number.NaN };
    for (const side of pairOrder(index)) pair[side] = await measure(side);
    pairs.push(pair);
  }
  return pairs;
}

/** top / bottom of each pair (NaN where either is missing; stats.ts median skips those). */
export function pairRatios(pairs: readonly Pair[]): number[] {
  return pairs.map((pair) => ratio(pair.top, pair.bottom));
}

/** The sides of cycle `index`, rotated left by `index`: each side comes first, second… in turn. */
export function cycleOrder<T>(sides: readonly T[], index: number): T[] {
  const k = index % sides.length;
  return [...sides.slice(k), ...sides.slice(0, k)];
}

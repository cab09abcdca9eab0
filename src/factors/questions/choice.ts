// Owns the choice of the questions asked at a login: a fixed number of distinct questions the
// user answered, chosen at random once and then kept as they are (issue 5: neither a reload nor
// a new login may shop for a pair the attacker knows). Pure: randomness is a parameter.

/** Returns an integer in [0, n); crypto.randomInt in production, a fixed sequence in tests. */
export type RandomIndex = (n: number) => number;

/**
 * `count` distinct ids drawn uniformly from `answered` (a partial Fisher-Yates shuffle), in the
 * order they were drawn; undefined when fewer than `count` are answered.
 */
export function chooseAsked(answered: readonly string[], count: number, random: RandomIndex): string[] | undefined {
  const pool = [...new Set(answered)];
  if (count < 1 || pool.length < count) return undefined;
  for (let i = 0; i < count; i++) {
    const j = i + random(pool.length - i);
    [pool[i], pool[j]] = [pool[j] as string, pool[i] as string];
  }
  return pool.slice(0, count);
}

/**
 * The stored choice when it can still be asked as it is: `count` distinct ids, all answered.
 * Anything else (nothing stored, a damaged value, an operator who changed `questions.asked` or
 * dropped a question from the catalogue) is undefined, and a new choice is made.
 */
export function keptAsked(stored: unknown, answered: readonly string[], count: number): string[] | undefined {
  if (!Array.isArray(stored) || stored.length !== count) return undefined;
  const ids = stored.filter((id): id is string => typeof id === 'string' && answered.includes(id));
  return ids.length === count && new Set(ids).size === count ? ids : undefined;
}

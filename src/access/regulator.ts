// Owns guessing limits (S5): failures counted per subject (a user, a client address) in a
// fixed window; reaching the limit locks the subject for a while. Counters live in the store,
// so every gateway sharing it enforces the same limits.

import type { Store } from '../store/store.js';

export interface LockoutSettings {
  failures: number;
  window: number;
  duration: number;
}

export interface Regulator {
  /** The subjects currently locked out (empty when none is). */
  locked(subjects: readonly string[]): Promise<string[]>;
  /** Counts a failure for each subject; returns those that became locked by it. */
  fail(subjects: readonly string[]): Promise<string[]>;
  /** Lifts locks and forgets counted failures (an operator's decision); returns the subjects that were locked. */
  unlock(subjects: readonly string[]): Promise<string[]>;
}

/** The regulators' namespaces: the second step and the app's password form are limited separately. */
export const LIMITED = { secondStep: 'second-step', password: 'password' } as const;

/** Subjects for a user and an address, in the form the regulator keys them. */
export function subjectsOf(user: string | undefined, address: string): string[] {
  return user === undefined ? [`ip:${address}`] : [`user:${user}`, `ip:${address}`];
}

export function createRegulator(store: Store, namespace: string, settings: () => LockoutSettings): Regulator {
  const lockKey = (subject: string) => `lock:${namespace}:${subject}`;
  const countKey = (subject: string) => `fails:${namespace}:${subject}`;
  return {
    async locked(subjects) {
      const locks = await Promise.all(subjects.map((subject) => store.get(lockKey(subject))));
      return subjects.filter((_, i) => locks[i] !== undefined);
    },
    async fail(subjects) {
      const { failures, window, duration } = settings();
      const newlyLocked: string[] = [];
      for (const subject of subjects) {
        const count = await store.increment(countKey(subject), window);
        if (count >= failures && (await store.setIfAbsent(lockKey(subject), String(count), duration))) {
          await store.delete(countKey(subject));
          newlyLocked.push(subject);
        }
      }
      return newlyLocked;
    },
    async unlock(subjects) {
      const unlocked: string[] = [];
      for (const subject of subjects) {
        if (await store.delete(lockKey(subject))) unlocked.push(subject);
        await store.delete(countKey(subject));
      }
      return unlocked;
    },
  };
}

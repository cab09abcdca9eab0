// Polling for tests: wait for a condition with a generous deadline instead of sleeping a
// fixed time, so that a slow, busy machine only makes a test slower, never wrong.

/**
 * How long a condition may take before the test fails: only a net for a condition that never
 * comes, so far beyond any slow machine (at load 20 on 2 cores, starting a process through tsx
 * alone took 20 s, past the 15 s this was) that reaching it means a bug, not a busy machine.
 */
export const DEFAULT_DEADLINE_MS = 120_000;

/** Resolves once `condition` returns true (or a promise of true); rejects with `what` after the deadline. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  deadlineMs = DEFAULT_DEADLINE_MS,
): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

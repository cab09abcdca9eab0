// Polling for tests: wait for a condition with a generous deadline instead of sleeping a
// fixed time, so that a slow, busy machine only makes a test slower, never wrong.

/** How long a condition may take before the test fails (generous: CI machines stall). */
export const DEFAULT_DEADLINE_MS = 15_000;

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

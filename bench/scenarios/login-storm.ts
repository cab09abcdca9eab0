// Owns the login-storm scenario: the proxied p50/p99 of the full-session 2 KB GET at about
// 1,000 requests/s, first idle, then while 20 clients log in over and over through their
// second step (15 with security questions: two argon2id verifications each; 5 with TOTP), and
// the peak RSS during the storm of the gateway and of its argon2 helper process, each and
// together (the set's footprint counts the pages the two share, the node binary's, once).
// Fresh upstream and gateway (memory store, default limits) each round.
//
// The storm's users come from addresses of their own, as a site's users do: the gateway trusts
// the bench's 127.0.0.1 as a proxy (trusted_proxies) and each client names its address in
// X-Forwarded-For (198.51.100.0/24, documentation addresses). From one shared address the
// storm would measure the lockouts instead: every attempt is reserved before its check (S5,
// S15), so more than limits.second_step.address_users (5) users in their check at once from one
// address count as that many failing users and lock the address for everyone (every login
// refused 429, issue 17's quiet run of 2026-12-03: 5 logins, 243,431 failed). wrk's load, with no
// X-Forwarded-For, is the trusted peer itself (the bench user is staff, allowlisted on 127.0.0.0/8).
//
// A TOTP code works once per user (S5: a step no later than the last one used is refused), and
// the gateway accepts the current step and the next: each TOTP client cycles through its own
// users, using each user's next unused step within that window, and waits for the next step
// when all are used. Logins that fail for any other reason than a full argon2 queue (503) make
// the storm's figures invalid in the report (goals.ts): they would measure refusals, not logins.
//
// The storm's clients run in the bench process, on the harness core; wrk, the upstream and
// the gateway keep the layout of the other scenarios, and the argon2 helper inherits the
// gateway's pinning, so hashing competes for the gateway's own core, as on a one-core container.

import { setTimeout as sleep } from 'node:timers/promises';
import { STORM_FAILED_SHARE, stormValid } from '../lib/goals.js';
import { sampleProcessSet } from '../lib/rss-sampler.js';
import { medians } from '../lib/stats.js';
import { GatewayClient, TOTP_STEP_SECONDS } from '../load/login-client.js';
import { startUpstream } from '../servers/start-upstream.js';
import { gatewayTarget } from '../servers/targets.js';
import { measureAtFixedRate } from './fixed-rate-latency.js';
import type { Metrics, Row, StandaloneScenario } from './types.js';

const QUESTION_LOOPS = 15;
const TOTP_LOOPS = 5;
/** A TOTP code works once per user (S5): each TOTP loop cycles through its own users. */
const TOTP_USERS_PER_LOOP = 24;
const STEP_MS = TOTP_STEP_SECONDS * 1000;

/** The gateway behind the bench's 127.0.0.1 as a trusted proxy, so that each storm client has its own address. */
const TARGET = gatewayTarget('gateway', 'gateway (memory store)', 'memory', { trustedProxies: ['127.0.0.1'] });

/** The address of the n-th storm client (documentation addresses, RFC 5737). */
const addressOf = (n: number) => `198.51.100.${n + 1}`;

interface TotpUser {
  user: string;
  address: string;
  secret: string;
  /** The step whose code confirmed the enrollment: it cannot be used again (S5). */
  enrolledStep: number;
}

interface StormCounts {
  questions: number;
  totp: number;
  /** Verifications refused because the argon2 queue was full (503): the bound at work. */
  busy: number;
  /** Anything else that was not a full session. */
  failed: number;
}

/** Runs the storm's loops until `stop` resolves. */
async function storm(
  url: string,
  totpUsers: readonly (readonly TotpUser[])[],
  stop: Promise<void>,
): Promise<StormCounts> {
  const counts: StormCounts = { questions: 0, totp: 0, busy: 0, failed: 0 };
  let stopped = false;
  void stop.then(() => {
    stopped = true;
  });
  const tally = (status: number, kind: 'questions' | 'totp') => {
    if (status === 303) counts[kind]++;
    else if (status === 503) counts.busy++;
    else counts.failed++;
  };
  const questionLoop = async (index: number) => {
    const client = new GatewayClient(url, `storm-q${index}`, addressOf(index));
    while (!stopped) tally(await client.signInWithSecondStep(), 'questions');
  };
  const totpLoop = async (users: readonly TotpUser[]) => {
    const lastStep = new Map(users.map((entry) => [entry.user, entry.enrolledStep]));
    while (!stopped) {
      const now = Math.floor(Date.now() / STEP_MS);
      // The current step and the next are both accepted; the current one is the first tried, so
      // that a step boundary passed on the way still leaves the code within the window.
      const next = users.find((entry) => (lastStep.get(entry.user) as number) < now + 1);
      if (!next) {
        await Promise.race([sleep(STEP_MS - (Date.now() % STEP_MS) + 50), stop]);
        continue;
      }
      const step = Math.max((lastStep.get(next.user) as number) + 1, now);
      lastStep.set(next.user, step);
      const client = new GatewayClient(url, next.user, next.address);
      tally(await client.signInWithSecondStep({ secret: next.secret, step }), 'totp');
    }
  };
  await Promise.all([
    ...Array.from({ length: QUESTION_LOOPS }, (_, index) => questionLoop(index)),
    ...totpUsers.map((users) => totpLoop(users)),
  ]);
  return counts;
}

const ROWS: readonly Row[] = [
  { metric: 'idleP50Ms', label: 'p50 idle (ms)', better: 'lower', digits: 3 },
  { metric: 'idleP99Ms', label: 'p99 idle (ms)', better: 'lower', digits: 3 },
  { metric: 'stormP50Ms', label: 'p50 during the storm (ms)', better: 'lower', digits: 3 },
  { metric: 'stormP99Ms', label: 'p99 during the storm (ms)', better: 'lower', digits: 3 },
  { metric: 'p99Ratio', label: 'p99 storm / idle', better: 'lower', digits: 2 },
  { metric: 'questionLoginsPerSecond', label: 'security-question logins/s', better: 'higher', digits: 1 },
  { metric: 'totpLoginsPerSecond', label: 'TOTP logins/s', better: 'higher', digits: 1 },
  { metric: 'busyRefusals', label: 'verifications refused busy (503)', better: 'lower', digits: 0 },
  { metric: 'failedLogins', label: 'other failed logins', better: 'lower', digits: 0 },
  { metric: 'failedShare', label: 'share of logins failed (valid: at most 1%)', better: 'lower', digits: 3 },
  { metric: 'stormPeakRssMB', label: 'gateway peak RSS during the storm (MB)', better: 'lower', digits: 1 },
  { metric: 'helperPeakRssMB', label: 'argon2 helper process peak RSS (MB)', better: 'lower', digits: 1 },
  { metric: 'totalPeakRssMB', label: 'both RSS summed (MB; node counted twice)', better: 'lower', digits: 1 },
  { metric: 'footprintPeakMB', label: 'both together, shared pages once (MB)', better: 'lower', digits: 1 },
];

export const loginStorm: StandaloneScenario = {
  kind: 'standalone',
  id: 'login-storm',
  title: `latency at ~1,000 requests/s, idle and during ${QUESTION_LOOPS + TOTP_LOOPS} concurrent logins (${QUESTION_LOOPS} security questions, ${TOTP_LOOPS} TOTP)`,
  async run(ctx) {
    const rounds: Metrics[] = [];
    const roundCount = ctx.options.mode === 'quick' ? 1 : 3;
    for (let round = 0; round < roundCount; round++) {
      const upstream = await startUpstream(ctx.layout.upstream);
      try {
        const target = await TARGET.start(ctx, upstream);
        try {
          ctx.log(`[login-storm] round ${round + 1}/${roundCount}: enrolling users`);
          for (let index = 0; index < QUESTION_LOOPS; index++) {
            await new GatewayClient(target.url, `storm-q${index}`, addressOf(index)).enrollQuestions();
          }
          const totpUsers = await Promise.all(
            Array.from({ length: TOTP_LOOPS }, async (_, loop) => {
              const users: TotpUser[] = [];
              for (let index = 0; index < TOTP_USERS_PER_LOOP; index++) {
                const user = `storm-t${loop}-${index}`;
                const address = addressOf(QUESTION_LOOPS + loop * TOTP_USERS_PER_LOOP + index);
                const secret = await new GatewayClient(target.url, user, address).enrollTotp();
                // Read after the enrollment's code was checked: no earlier than that code's step.
                users.push({ user, address, secret, enrolledStep: Math.floor(Date.now() / STEP_MS) });
              }
              return users;
            }),
          );
          const idle = await measureAtFixedRate(target, ctx);
          ctx.log(`  idle: p50 ${idle.p50Ms?.toFixed(3)} ms, p99 ${idle.p99Ms?.toFixed(3)} ms`);
          let stopStorm: () => void = () => {};
          const stop = new Promise<void>((resolve) => {
            stopStorm = resolve;
          });
          // The gateway and its argon2 helper process (src/crypto/password-hash.ts), started by the enrollments.
          const memory = sampleProcessSet(target.rssPid);
          const started = Date.now();
          const counts = storm(target.url, totpUsers, stop);
          let during: Metrics;
          try {
            during = await measureAtFixedRate(target, ctx);
          } finally {
            stopStorm();
          }
          const done = await counts;
          const peaks = memory.stop();
          const seconds = (Date.now() - started) / 1000;
          const metrics: Metrics = {
            idleP50Ms: idle.p50Ms as number,
            idleP99Ms: idle.p99Ms as number,
            stormP50Ms: during.p50Ms as number,
            stormP99Ms: during.p99Ms as number,
            p99Ratio: (during.p99Ms as number) / (idle.p99Ms as number),
            questionLoginsPerSecond: done.questions / seconds,
            totpLoginsPerSecond: done.totp / seconds,
            busyRefusals: done.busy,
            failedLogins: done.failed,
            failedShare: done.failed / Math.max(1, done.questions + done.totp + done.busy + done.failed),
            stormPeakRssMB: peaks.root / 1e6,
            helperPeakRssMB: peaks.others / 1e6,
            totalPeakRssMB: (peaks.root + peaks.others) / 1e6,
            footprintPeakMB: peaks.footprint / 1e6,
          };
          ctx.log(
            `  storm: p50 ${metrics.stormP50Ms?.toFixed(3)} ms, p99 ${metrics.stormP99Ms?.toFixed(3)} ms, ${done.questions} question and ${done.totp} TOTP logins, ${done.busy} busy, ${done.failed} failed`,
          );
          if (!stormValid(metrics))
            ctx.log(
              `  INVALID: ${done.failed} logins failed (not busy), more than ${STORM_FAILED_SHARE * 100}%: this round's figures measure refusals, not logins`,
            );
          rounds.push(metrics);
        } finally {
          await target.stop();
        }
      } finally {
        await upstream.stop();
      }
    }
    return { id: this.id, title: this.title, rows: ROWS, targets: { gateway: { rounds, median: medians(rounds) } } };
  },
};

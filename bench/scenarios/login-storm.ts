// Owns the login-storm scenario: the proxied p50/p99 of the full-session 2 KB GET at about
// 1,000 requests/s, first idle, then while 20 logins at a time go through their second step
// (15 with security questions: two argon2id verifications each; 5 with TOTP), and the peak
// RSS during the storm of the gateway and of its argon2 helper process, each and together
// (the set's footprint counts the pages the two share, the node binary's, once). Fresh
// upstream and gateway (memory store) each round.
//
// The storm's clients run in the bench process, on the harness core; wrk, the upstream and
// the gateway keep the layout of the other scenarios, and the argon2 helper inherits the
// gateway's pinning, so hashing competes for the gateway's own core, as on a one-core container.

import { setTimeout as sleep } from 'node:timers/promises';
import { sampleProcessSet } from '../lib/rss-sampler.js';
import { medians } from '../lib/stats.js';
import { GatewayClient } from '../load/login-client.js';
import { startUpstream } from '../servers/start-upstream.js';
import { TARGETS } from '../servers/targets.js';
import { measureAtFixedRate } from './fixed-rate-latency.js';
import type { Metrics, Row, StandaloneScenario } from './types.js';

const QUESTION_LOOPS = 15;
const TOTP_LOOPS = 5;
/** TOTP refuses a code of a step already used (S5): each TOTP loop cycles through its own users, one login per user and step. */
const TOTP_USERS_PER_LOOP = 8;
const STEP_MS = 30_000;

interface TotpUser {
  user: string;
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
    const client = new GatewayClient(url, `storm-q${index}`);
    while (!stopped) tally(await client.signInWithSecondStep(), 'questions');
  };
  const totpLoop = async (users: readonly TotpUser[]) => {
    const lastStep = new Map(users.map((entry) => [entry.user, entry.enrolledStep]));
    while (!stopped) {
      const step = Math.floor(Date.now() / STEP_MS);
      const next = users.find((entry) => (lastStep.get(entry.user) as number) < step);
      if (!next) {
        await Promise.race([sleep(STEP_MS - (Date.now() % STEP_MS) + 50), stop]);
        continue;
      }
      lastStep.set(next.user, step);
      tally(await new GatewayClient(url, next.user).signInWithSecondStep(next.secret), 'totp');
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
        const target = await TARGETS.gateway.start(ctx, upstream);
        try {
          ctx.log(`[login-storm] round ${round + 1}/${roundCount}: enrolling users`);
          for (let index = 0; index < QUESTION_LOOPS; index++) {
            await new GatewayClient(target.url, `storm-q${index}`).enrollQuestions();
          }
          const totpUsers = await Promise.all(
            Array.from({ length: TOTP_LOOPS }, async (_, loop) => {
              const users: TotpUser[] = [];
              for (let index = 0; index < TOTP_USERS_PER_LOOP; index++) {
                const user = `storm-t${loop}-${index}`;
                const secret = await new GatewayClient(target.url, user).enrollTotp();
                users.push({ user, secret, enrolledStep: Math.floor(Date.now() / STEP_MS) });
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
            stormPeakRssMB: peaks.root / 1e6,
            helperPeakRssMB: peaks.others / 1e6,
            totalPeakRssMB: (peaks.root + peaks.others) / 1e6,
            footprintPeakMB: peaks.footprint / 1e6,
          };
          ctx.log(
            `  storm: p50 ${metrics.stormP50Ms?.toFixed(3)} ms, p99 ${metrics.stormP99Ms?.toFixed(3)} ms, ${done.questions} question and ${done.totp} TOTP logins, ${done.busy} busy, ${done.failed} failed`,
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

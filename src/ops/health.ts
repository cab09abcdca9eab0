// Owns the health answers: alive (the process serves requests) and ready (a configuration
// is loaded and the upstream accepts connections), the latter probed at most once a second.

import { connect } from 'node:net';
import type { RuntimeConfig } from '../config/runtime.js';

export interface Readiness {
  ready: boolean;
  checks: { config: 'ok' | 'last good kept (file invalid)'; upstream: 'reachable' | 'unreachable' };
}

const PROBE_INTERVAL_MS = 1_000;
const PROBE_TIMEOUT_MS = 1_000;

/** Tries a TCP connection to the upstream. */
function probe(runtime: RuntimeConfig): Promise<boolean> {
  const url = new URL(runtime.upstreamOrigin);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve) => {
    const socket = connect({ host: runtime.upstreamHostname, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface HealthChecker {
  readiness(runtime: RuntimeConfig, configFileValid: boolean): Promise<Readiness>;
}

/** Creates a readiness checker whose upstream probe is shared by concurrent callers. */
export function createHealthChecker(now: () => number = Date.now): HealthChecker {
  let last: { origin: string; at: number; result: Promise<boolean> } | undefined;
  return {
    async readiness(runtime, configFileValid) {
      const time = now();
      if (!last || last.origin !== runtime.upstreamOrigin || time - last.at >= PROBE_INTERVAL_MS) {
        last = { origin: runtime.upstreamOrigin, at: time, result: probe(runtime) };
      }
      const reachable = await last.result;
      return {
        ready: reachable,
        checks: {
          config: configFileValid ? 'ok' : 'last good kept (file invalid)',
          upstream: reachable ? 'reachable' : 'unreachable',
        },
      };
    },
  };
}

// Owns reading a V8 .cpuprofile (node --cpu-prof): self time per function and per area
// (the gateway's src/, undici, pino, Node's HTTP and streams, GC), and inclusive time of the
// gateway's own functions, so that "what dominates" is a table, not a guess.

import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  /** Microseconds of CLOCK_MONOTONIC, the clock of process.hrtime() in any process on Linux. */
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Busy time: everything but (idle). */
  busyMs: number;
  byArea: ProfileLine[];
  selfByFunction: ProfileLine[];
  /** Inclusive time of functions in the gateway's src/ (a function counted once per sample). */
  inclusiveSrc: ProfileLine[];
}

/** Which part of the process a frame belongs to. */
export function areaOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'V8/native (program)';
    return 'native builtins';
  }
  // undici parses HTTP with llhttp compiled to WebAssembly.
  if (url.startsWith('wasm://')) return 'dependency undici (llhttp wasm)';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg) {
    if (
      /^(pino|sonic-boom|thread-stream|quick-format-unescaped|@pinojs\/.*|fast-redact|safe-stable-stringify)$/.test(pkg)
    )
      return 'logging (pino)';
    return `dependency ${pkg}`;
  }
  const src = /\/src\/([^?#]+)/.exec(url)?.[1];
  if (src) return `gateway src/${src}`;
  if (url.startsWith('node:')) {
    const name = url.slice(5);
    if (/^(_http|http|internal\/http)/.test(name)) return 'node http';
    if (/^(net|internal\/net|internal\/stream_base|internal\/dns)/.test(name)) return 'node net';
    if (/streams/.test(name)) return 'node streams';
    if (/^(internal\/process|internal\/timers|timers|events|internal\/async_hooks)/.test(name))
      return 'node events/timers';
    return `node ${name}`;
  }
  return url;
}

function lines(totals: Map<string, number>, total: number, limit: number): ProfileLine[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
}

/** A span of CLOCK_MONOTONIC in microseconds (process.hrtime.bigint() / 1000n). */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/**
 * Summarises one profile file, only the samples inside `window` when given (the measured
 * load, without start-up and module loading). Shares are of the busy (non-idle) time.
 */
export function summarizeProfile(file: string, window?: ProfileWindow, limit = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const key = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    // Code run through tsx reports line 0 for a whole module: a line is shown only when it says something.
    const line = lineNumber > 0 ? `:${lineNumber + 1}` : '';
    const where = url ? `${url.replace(/^file:\/\/.*?\/(src|node_modules)\//, '$1/')}${line}` : '';
    return `${functionName || '(anonymous)'} ${where}`.trim();
  };

  const self = new Map<string, number>();
  const area = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    // Each delta is the time since the previous sample: it belongs to the sample before it.
    const us = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    total += us;
    const nodeArea = areaOf(node.callFrame);
    if (nodeArea === 'idle') {
      idle += us;
      return;
    }
    self.set(key(node), (self.get(key(node)) ?? 0) + us);
    area.set(nodeArea, (area.get(nodeArea) ?? 0) + us);
    const seen = new Set<string>();
    for (let up: number | undefined = id; up !== undefined; up = parent.get(up)) {
      const frame = byId.get(up) as ProfileNode;
      if (!frame.callFrame.url.includes('/src/')) continue;
      const name = key(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    }
  });
  const busy = total - idle;
  return {
    totalMs: total / 1000,
    busyMs: busy / 1000,
    byArea: lines(area, busy, limit),
    selfByFunction: lines(self, busy, limit),
    inclusiveSrc: lines(inclusive, busy, limit),
  };
}

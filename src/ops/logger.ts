// Owns the process logger: pino JSON lines, with every place a secret could appear redacted
// by configuration rather than by the care of each call site.

import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths censored in every log line, whoever logs the object. */
export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  'headers["proxy-authorization"]',
  'headers["x-csrf-token"]',
  'headers["set-cookie"]',
  'cookie',
  'authorization',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'otp',
  '*.otp',
  'answer',
  '*.answer',
  'token',
  '*.token',
];

export interface LoggerOptions {
  level: string;
  /** Where lines go; stdout (asynchronous, flushed at exit) by default. */
  destination?: DestinationStream;
}

/** How long a log line may wait in the buffer before it is written. */
const FLUSH_EVERY_MS = 500;
/** Bytes of lines handed to the writer at once. */
const BATCH_BYTES = 32 * 1024;

/**
 * Standard output, written in batches: one write per line cost about 40% of the CPU of a
 * proxied request in the benchmark. Lines are gathered here, in order, and handed to pino's
 * writer 32 KB at a time (or every half second, and at exit): the writer alone wrote every 4 KB
 * and measured each line against its growing buffer, and the access log still cost 18% of a
 * passthrough request (issue 17), most of it in those writes.
 */
function batchedStdout(): DestinationStream {
  let lines: string[] = [];
  let bytes = 0;
  const hand = () => {
    if (lines.length === 0) return;
    const text = lines.join('');
    lines = [];
    bytes = 0;
    destination.write(text);
  };
  // Registered before pino's own exit hook (which flushes its writer), so it runs first.
  process.on('exit', hand);
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => {
    hand();
    destination.flush();
  }, FLUSH_EVERY_MS).unref();
  return {
    write(line: string) {
      lines.push(line);
      bytes += line.length;
      if (bytes >= BATCH_BYTES) hand();
    },
    flush(callback?: (error?: Error | null) => void) {
      hand();
      destination.flush(callback);
    },
    flushSync() {
      hand();
      destination.flushSync();
    },
  } as DestinationStream;
}

/** Creates the gateway's logger. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? batchedStdout();
  return pino(
    {
      level: options.level,
      base: { service: 'gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

export type SafeLevel = 'info' | 'warn';

/** The ISO time of the current second ("2026-12-03T07:06:58."), rebuilt once a second. */
let isoSecond = '';
let isoSecondStart = -1;

/** The time as pino's isoTime writes it (toISOString), the date part built once a second. */
function isoNow(): string {
  const now = Date.now();
  const ms = now % 1000;
  if (now - ms !== isoSecondStart) {
    isoSecondStart = now - ms;
    isoSecond = new Date(isoSecondStart).toISOString().slice(0, 20);
  }
  return `${isoSecond}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

/**
 * Writes the line pino would write at `level` for the fields whose JSON text (`"name":value`
 * pairs joined by commas, http/access-log.ts) is `fields`: in the format createLogger sets
 * (level label, ISO time, the logger's bindings, then the fields), without pino's generic
 * redaction and serialisation, which a profile showed as most of the 15-25 µs an access line
 * cost. Only for fields known to be safe: no key among REDACT_PATHS (a test holds the access
 * line's keys to that) and values computed by the gateway, each string escaped by the caller
 * with JSON.stringify, so that no value can break out of its field.
 */
export function writeSafeLine(logger: Logger, level: SafeLevel, fields: string): void {
  if (!logger.isLevelEnabled(level)) return;
  const internals = logger as unknown as Record<symbol, unknown>;
  const stream = internals[pino.symbols.streamSym] as DestinationStream;
  const bindings = internals[pino.symbols.chindingsSym] as string;
  stream.write(`{"level":"${level}","time":"${isoNow()}"${bindings},${fields}}\n`);
}

const SENSITIVE_QUERY = /pass|secret|token|code|answer|key|session|auth|otp|sig/i;

/** The path and query for a log line, with the values of sensitive-looking query parameters censored. */
export function loggablePath(path: string, search: string): string {
  if (search.length <= 1) return path + search;
  // ";" separates pairs too for some upstreams (Rack 2, Python before 3.9.2), so a pair ends at either.
  const query = search.slice(1).replace(/[^&;]+/g, (pair) => {
    const eq = pair.indexOf('=');
    if (eq === -1) return pair;
    let name = pair.slice(0, eq);
    try {
      name = decodeURIComponent(name);
    } catch {
      // An undecodable name is judged as written.
    }
    return SENSITIVE_QUERY.test(name) ? `${pair.slice(0, eq)}=[Redacted]` : pair;
  });
  return `${path}?${query}`;
}

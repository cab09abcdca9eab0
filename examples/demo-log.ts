// Owns what the demo prints while it runs: one short line per audit event (who signed in, who
// was refused, what was enrolled) and per warning or error, instead of every JSON access line.
// The JSON lines stay one flag away (`npm run demo -- --json-logs`).

/** The fields every line has, left out of the short form. */
const NOISE = new Set(['level', 'time', 'service', 'pid', 'hostname', 'audit', 'event', 'msg', 'request_id']);
const LEVELS: Record<string, string> = { warn: 'warning', error: 'ERROR', fatal: 'FATAL' };

/** A fact as a short word: lists joined with commas, anything else as JSON. */
function short(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  if (Array.isArray(value)) return value.map(short).join(',');
  return JSON.stringify(value);
}

/** The short line of one JSON log line, or undefined for a line the demo does not show. */
export function demoLine(json: string): string | undefined {
  let line: Record<string, unknown>;
  try {
    line = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd() || undefined;
  }
  const level = String(line.level);
  if (line.audit !== true && !(level in LEVELS)) return undefined;
  const time = typeof line.time === 'string' ? line.time.slice(11, 19) : '';
  const facts = Object.entries(line)
    .filter(([key, value]) => !NOISE.has(key) && value !== undefined && key !== 'err')
    .map(([key, value]) => `${key}=${short(value)}`);
  const what = line.audit === true ? String(line.event) : `${LEVELS[level]}: ${line.event ?? line.msg ?? ''}`;
  const message = line.audit === true || typeof line.msg !== 'string' ? '' : ` (${line.msg})`;
  return `${time}  ${what}${message}  ${facts.join(' ')}`.trimEnd();
}

/** A log destination (pino writes one JSON line per call) that prints the short lines to `out`. */
export function demoLogDestination(out: NodeJS.WritableStream): { write(json: string): void } {
  return {
    write(json) {
      const text = demoLine(json);
      if (text !== undefined) out.write(`${text}\n`);
    },
  };
}

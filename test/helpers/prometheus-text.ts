// Reads Prometheus's text exposition format (version 0.0.4) as a scraper does, strictly enough
// that a malformed line fails the test: # HELP and # TYPE comments, then `name{labels} value`.

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
  /** The value of the one sample named `name` whose labels include `labels`; undefined when none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;

function parseLabels(text: string | undefined, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) throw new Error(`malformed labels in: ${line}`);
    labels[match[1] as string] = (match[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/**
 * A sample's value as Prometheus reads it: Go's float parsing, so NaN and Inf in any case.
 * prom-client writes an event-loop lag with no sample yet as "Nan", which Prometheus accepts.
 */
function parseValue(text: string | undefined, line: string): number {
  const special = /^([+-]?)(inf|nan)$/i.exec(text ?? '');
  if (special) {
    if (special[2]?.toLowerCase() === 'nan') return Number.NaN;
    return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  const value = Number(text);
  if (text === undefined || text === '' || Number.isNaN(value)) throw new Error(`malformed value: ${line}`);
  return value;
}

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name as string, type as string);
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`malformed line: ${line}`);
    samples.push({ name: match[1] as string, labels: parseLabels(match[2], line), value: parseValue(match[3], line) });
  }
  return {
    types,
    samples,
    value(name, labels = {}) {
      return samples.find(
        (sample) => sample.name === name && Object.entries(labels).every(([key, want]) => sample.labels[key] === want),
      )?.value;
    },
  };
}

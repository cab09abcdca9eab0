// Owns remembering the readings of a pure function of a short string: every request of a
// keep-alive connection has the same peer, and an upstream sends the same Connection value
// with every answer, so reading them again is work thrown away (issue 17). Bounded: when full,
// everything is forgotten at once (no eviction order to keep on the hot path).

/** `read`, answering a text it has read before from memory; at most `limit` texts are remembered. */
export function remembered<T>(read: (text: string) => T, limit: number): (text: string) => T {
  const readings = new Map<string, T>();
  return (text) => {
    const known = readings.get(text);
    // `has`: a reading may be undefined (an address that does not parse) and is remembered too.
    if (known !== undefined || readings.has(text)) return known as T;
    if (readings.size >= limit) readings.clear();
    const reading = read(text);
    readings.set(text, reading);
    return reading;
  };
}

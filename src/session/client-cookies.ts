// Owns reading the browser's Cookie header: the gateway's own cookies, the upstream cookies
// an operator lets the browser hold (pass-through), and nothing else (docs/security-model.md, the cookie vault).

/** The name=value pairs of Cookie header lines, in order; pairs without "=" are skipped. */
export function parseCookieHeader(header: string | string[] | undefined): Array<[string, string]> {
  if (header === undefined) return [];
  const pairs: Array<[string, string]> = [];
  for (const line of Array.isArray(header) ? header : [header]) {
    for (const part of line.split(';')) {
      const eq = part.indexOf('=');
      if (eq === -1) continue;
      const name = part.slice(0, eq).trim();
      if (name) pairs.push([name, part.slice(eq + 1).trim()]);
    }
  }
  return pairs;
}

/** The values of one cookie name (several when a browser holds it under several paths or domains). */
export function cookieValues(pairs: ReadonlyArray<[string, string]>, name: string): string[] {
  // A loop, not filter and map: two arrays and two closures on every request otherwise (issue 17).
  const values: string[] = [];
  for (const pair of pairs) if (pair[0] === name) values.push(pair[1]);
  return values;
}

/** The pass-through cookies as a Cookie header fragment ("" when none). */
export function passThroughCookies(pairs: ReadonlyArray<[string, string]>, names: ReadonlySet<string>): string {
  return pairs
    .filter(([name]) => names.has(name))
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');
}

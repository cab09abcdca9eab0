// Owns what happens to the upstream's cookies on their way to the client. Today they pass
// through with a Domain naming the upstream's internal host dropped (as nginx's
// proxy_cookie_domain); this is the one place the cookie vault will take them over.

/** Drops a Domain attribute equal to the upstream host (with or without a leading dot); keeps the rest byte for byte. */
export function rewriteSetCookieDomain(setCookie: string, upstreamHostname: string): string {
  if (!/;\s*domain\s*=/i.test(setCookie)) return setCookie;
  const host = upstreamHostname.toLowerCase();
  const parts = setCookie.split(';');
  const kept = parts.filter((part, index) => {
    if (index === 0) return true;
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim().toLowerCase() !== 'domain') return true;
    return (
      part
        .slice(eq + 1)
        .trim()
        .replace(/^\./, '')
        .toLowerCase() !== host
    );
  });
  return kept.join(';');
}

/** Applies the configured cookie rewriting to every Set-Cookie line of an upstream response. */
export function outgoingSetCookies(
  lines: readonly string[],
  upstreamHostname: string,
  rewriteDomain: boolean,
): string[] {
  return rewriteDomain ? lines.map((line) => rewriteSetCookieDomain(line, upstreamHostname)) : [...lines];
}

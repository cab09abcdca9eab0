// Owns the upstream's Set-Cookie lines as the proxy sees them: read from undici's headers, and
// rewritten on their way to the client (a Domain naming the upstream's internal host dropped,
// as nginx's proxy_cookie_domain). Which lines reach the client at all is the vault's call.

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

/** The Set-Cookie lines of an upstream answer: undici gives a lone one as a string and several as an array. */
export function setCookieList(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : value;
}

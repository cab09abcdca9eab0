// Owns the rewriting of Location headers that name the upstream's internal address,
// as nginx's proxy_redirect does, so that a redirect never sends a browser around the gateway.

/** The "scheme://authority" head of an absolute http(s) URL and its length in the text, or undefined. */
function originOf(url: string, defaultScheme: string): { origin: string; end: number } | undefined {
  // A scheme-relative Location ("//host:port/x") takes the scheme of the request it answers.
  const match = /^(?:(https?):)?\/\/([^/?#]*)/i.exec(url);
  if (!match) return undefined;
  try {
    return { origin: new URL(`${match[1] ?? defaultScheme}://${match[2]}`).origin, end: match[0].length };
  } catch {
    return undefined;
  }
}

/**
 * Replaces the upstream origin at the start of an absolute Location with the public
 * origin, keeping the rest byte for byte; any other Location is returned unchanged.
 */
export function rewriteLocation(location: string, upstreamOrigin: string, publicOrigin: string): string {
  const head = originOf(location, upstreamOrigin.slice(0, upstreamOrigin.indexOf(':')));
  if (!head || head.origin !== upstreamOrigin) return location;
  return publicOrigin + location.slice(head.end);
}

// Owns reading the request target: the path and query forwarded byte for byte, and the
// canonical "routing path" every gateway decision matches on, refusing targets whose
// meaning would differ between the gateway and the upstream.

export interface RequestTarget {
  /** The path exactly as received (forwarded unchanged). */
  readonly path: string;
  /** The query with its "?", exactly as received, or "". */
  readonly search: string;
  /**
   * Percent-decoded, repeated slashes collapsed, ";params" dropped from each segment,
   * no trailing slash, lower-cased: every spelling an upstream might treat as the same
   * route ("/Login/", "//login", "/login;x", "/%6Cogin") has one routing path.
   */
  readonly routingPath: string;
}

export type TargetResult = { ok: true; target: RequestTarget } | { ok: false; reason: string };

const HEX = /^[0-9A-Fa-f]{2}$/;
// Fatal: invalid UTF-8 is refused, not replaced. An overlong "%C0%AE" is "." to decoders that
// accept it (old IIS, some Java stacks), so "/public/%C0%AE%C0%AE/admin" would lie under a
// public "/public" for the gateway while such an upstream serves /admin.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Percent-decodes one segment; refuses what would change the segment structure or end a C string. */
function decodeSegment(segment: string): string | { error: string } {
  if (!segment.includes('%')) return segment;
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    const char = segment.charCodeAt(i);
    if (char !== 0x25) {
      // Non-ASCII characters never reach here: Node refuses them in the request line.
      bytes.push(char);
      continue;
    }
    const hex = segment.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return { error: 'malformed percent-encoding in the path' };
    const byte = Number.parseInt(hex, 16);
    if (byte === 0) return { error: 'NUL in the path' };
    if (byte === 0x2f || byte === 0x5c) return { error: 'percent-encoded slash or backslash in the path' };
    bytes.push(byte);
    i += 2;
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return { error: 'percent-encoded bytes that are not UTF-8 in the path' };
  }
}

/**
 * A path already in its routing form: segments, none empty, of lower-case letters, digits and
 * characters that need no decoding and split nothing ("%", ";", "/" and upper case are left
 * out), none of them "." or "..". The full reading below would give the path itself, so it is
 * not taken apart (most requests; it was 1-1.7% of a proxied request's CPU, issue 17).
 */
const ROUTING_FORM = /^(?:\/(?!\.\.?(?:\/|$))[a-z0-9._~!$&'()*+,=:@-]+)+$/;

/** Parses an origin-form request target ("/path?query"); anything else is refused. */
export function parseRequestTarget(url: string): TargetResult {
  if (!url.startsWith('/')) return { ok: false, reason: 'request target must be an absolute path' };
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const search = queryAt === -1 ? '' : url.slice(queryAt);
  if (ROUTING_FORM.test(path)) return { ok: true, target: { path, search, routingPath: path } };
  if (path.includes('\0') || path.includes('\\')) return { ok: false, reason: 'NUL or backslash in the path' };
  if (path.includes('#')) return { ok: false, reason: 'fragment in the request target' };

  const segments: string[] = [];
  for (const raw of path.split('/')) {
    if (raw === '') continue;
    const decoded = decodeSegment(raw);
    if (typeof decoded !== 'string') return { ok: false, reason: decoded.error };
    const name = decoded.split(';', 1)[0] as string;
    // Dot segments are resolved differently by different servers ("/a/..;/b" on Tomcat), so none is routed.
    if (name === '.' || name === '..') return { ok: false, reason: 'dot segment in the path' };
    if (name !== '') segments.push(name.toLowerCase());
  }
  return { ok: true, target: { path, search, routingPath: `/${segments.join('/')}` } };
}

/** True when routingPath is prefix itself or lies below it (prefix given in any case, no trailing slash). */
export function isUnderPrefix(routingPath: string, prefix: string): boolean {
  const lower = prefix.toLowerCase();
  return routingPath === lower || routingPath.startsWith(`${lower}/`);
}

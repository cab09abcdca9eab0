// Owns the cookie vault's jar semantics (RFC 6265 sections 5.1.4, 5.2, 5.3, 5.4) as pure
// functions: reading upstream Set-Cookie lines into per-cookie changes, applying changes,
// and building the Cookie header a browser would send for a path. The gateway keeps the
// upstream's cookies here instead of in the browser (docs/security-model.md, the cookie vault).

export interface VaultCookie {
  readonly name: string;
  readonly value: string;
  /** The cookie's path (RFC 6265 5.2.4; the request's directory when absent). */
  readonly path: string;
  /** Epoch milliseconds after which it is gone; undefined for a session cookie. */
  readonly expiresAt?: number;
  readonly sameSite?: 'strict' | 'lax' | 'none';
}

/** A jar: one entry per (name, path), as a browser keys cookies for a single host. */
export type Jar = Readonly<Record<string, VaultCookie>>;

/** A change to one cookie: the new cookie, or null for a deletion. */
export type JarChanges = ReadonlyMap<string, VaultCookie | null>;

/** The jar key of a cookie: name and path, which together identify it for one host. */
export function jarKey(name: string, path: string): string {
  return `${path}\u0000${name}`;
}

/** RFC 6265 5.1.4: the default path is the request path up to, not including, its last "/". */
export function defaultPath(requestPath: string): string {
  if (!requestPath.startsWith('/')) return '/';
  const last = requestPath.lastIndexOf('/');
  return last <= 0 ? '/' : requestPath.slice(0, last);
}

/** RFC 6265 5.1.4 path-match. */
export function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/';
}

/**
 * Parses one Set-Cookie line (RFC 6265 5.2). Returns the cookie as stored, or a deletion when
 * Max-Age <= 0 or Expires lies in the past; undefined for a line a browser would ignore.
 * Max-Age wins over Expires, as in browsers.
 */
export function parseSetCookie(
  line: string,
  requestPath: string,
  now: number,
): { key: string; cookie: VaultCookie | null } | undefined {
  const [pair = '', ...attributes] = line.split(';');
  const eq = pair.indexOf('=');
  if (eq === -1) return undefined;
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  if (name === '') return undefined;

  let path: string | undefined;
  let expiresAt: number | undefined;
  let maxAgeAt: number | undefined;
  let sameSite: VaultCookie['sameSite'];
  for (const attribute of attributes) {
    const at = attribute.indexOf('=');
    const key = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
    const val = at === -1 ? '' : attribute.slice(at + 1).trim();
    if (key === 'path') path = val.startsWith('/') ? val : undefined;
    else if (key === 'max-age' && /^-?\d+$/.test(val))
      maxAgeAt = Number(val) <= 0 ? -Infinity : now + Number(val) * 1000;
    else if (key === 'expires') {
      const time = Date.parse(val);
      if (!Number.isNaN(time)) expiresAt = time;
    } else if (key === 'samesite') {
      const mode = val.toLowerCase();
      if (mode === 'strict' || mode === 'lax' || mode === 'none') sameSite = mode;
    }
  }
  const cookiePath = path ?? defaultPath(requestPath);
  const key = jarKey(name, cookiePath);
  const expiry = maxAgeAt ?? expiresAt;
  if (expiry !== undefined && expiry <= now) return { key, cookie: null };
  const cookie: VaultCookie = { name, value, path: cookiePath, expiresAt: expiry, sameSite };
  return { key, cookie };
}

/** Reads an upstream answer's Set-Cookie lines into changes (a later line for the same cookie wins). */
export function changesFromSetCookies(lines: readonly string[], requestPath: string, now: number): JarChanges {
  const changes = new Map<string, VaultCookie | null>();
  for (const line of lines) {
    const parsed = parseSetCookie(line, requestPath, now);
    if (parsed) changes.set(parsed.key, parsed.cookie);
  }
  return changes;
}

/** The jar after the changes, or the same jar object when nothing differs (so callers write only on change). */
export function applyChanges(jar: Jar, changes: JarChanges): Jar {
  let next: Record<string, VaultCookie> | undefined;
  for (const [key, cookie] of changes) {
    const current = jar[key];
    if (cookie === null) {
      if (current === undefined) continue;
      next ??= { ...jar };
      delete next[key];
    } else if (
      current === undefined ||
      current.value !== cookie.value ||
      current.expiresAt !== cookie.expiresAt ||
      current.sameSite !== cookie.sameSite
    ) {
      next ??= { ...jar };
      next[key] = cookie;
    }
  }
  return next ?? jar;
}

/** The jar without expired cookies (the same object when none expired). */
export function withoutExpired(jar: Jar, now: number): Jar {
  const expired = Object.entries(jar).filter(([, cookie]) => cookie.expiresAt !== undefined && cookie.expiresAt <= now);
  if (expired.length === 0) return jar;
  const next = { ...jar };
  for (const [key] of expired) delete next[key];
  return next;
}

/**
 * A jar's cookies, longer paths first (RFC 6265 5.4), sorted once per jar: a jar is never
 * changed (applyChanges and withoutExpired make a new one), and a session's jar serves every
 * request of that session. Sorting, filtering and joining arrays for each request made the
 * header cost 4 times what this loop does (issue 17).
 */
const sortedJars = new WeakMap<Jar, readonly VaultCookie[]>();
function longerPathsFirst(jar: Jar): readonly VaultCookie[] {
  let sorted = sortedJars.get(jar);
  if (!sorted) {
    sorted = Object.values(jar).sort((a, b) => b.path.length - a.path.length);
    sortedJars.set(jar, sorted);
  }
  return sorted;
}

/**
 * The Cookie header value a browser would send for this path (RFC 6265 5.4): matching,
 * unexpired cookies, longer paths first; SameSite=Strict ones withheld from a cross-site request.
 */
export function cookieHeader(jar: Jar, requestPath: string, now: number, crossSite: boolean): string {
  let header = '';
  for (const cookie of longerPathsFirst(jar)) {
    if (!pathMatches(requestPath, cookie.path)) continue;
    if (cookie.expiresAt !== undefined && cookie.expiresAt <= now) continue;
    if (crossSite && cookie.sameSite === 'strict') continue;
    header += `${header === '' ? '' : '; '}${cookie.name}=${cookie.value}`;
  }
  return header;
}

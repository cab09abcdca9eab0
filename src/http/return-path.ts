// Owns return targets (S9): a place to send the browser back to (a return parameter, the
// Location of a replayed redirect) is accepted only as a same-origin path; anything that a
// browser could read as another origin ("//evil", "/\evil", a scheme, control characters it
// would strip) is dropped.

const MAX_LENGTH = 2048;

/** The target when it is a safe same-origin relative path, else undefined. */
export function safeReturnPath(target: string | undefined | null): string | undefined {
  if (!target || target.length > MAX_LENGTH || !target.startsWith('/')) return undefined;
  let decoded = target;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    return undefined;
  }
  // Browsers drop tab and newline inside URLs and read "\" as "/", so "/\t/evil" and "/\\evil" are "//evil".
  for (const text of [target, decoded]) {
    if (/\p{Cc}|\\/u.test(text)) return undefined;
    if (text.startsWith('//')) return undefined;
  }
  try {
    const url = new URL(target, 'http://gateway.invalid');
    if (url.origin !== 'http://gateway.invalid') return undefined;
    // "/.//evil" resolves to the path "//evil": an app that re-emits the normalised path
    // (the demo app does) would answer "Location: //evil".
    if (url.pathname.startsWith('//')) return undefined;
  } catch {
    return undefined;
  }
  return target;
}

/**
 * The same-origin path a redirect's Location leads to, read as a browser reads it on a page at
 * `basePath` of `origin`: a relative reference, an absolute path, or an absolute URL of that
 * origin (scheme, host and port). Anything that leaves the origin, or that a browser would read
 * differently than this parser (control characters, backslashes), is undefined (S9).
 */
export function sameOriginLocation(location: string, origin: string, basePath = '/'): string | undefined {
  if (/\p{Cc}|\\/u.test(location)) return undefined;
  let base: URL;
  let url: URL;
  try {
    base = new URL(basePath, origin);
    url = new URL(location, base);
  } catch {
    return undefined;
  }
  // Both as the URL parser spells them: a Host header of "GW.example:443" is https://gw.example.
  if (url.origin !== base.origin) return undefined;
  return safeReturnPath(url.pathname + url.search + url.hash);
}

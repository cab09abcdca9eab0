// Owns matching a request's query against the parameters a configured route names (issue 12:
// SQL-Ledger logs out with GET /login.pl?action=logout). A parameter matches when the query
// carries it exactly once, spelled exactly so, with exactly the configured value: a query that
// names it twice, or also in a spelling an app may read as it, is read differently by different
// apps (PHP keeps the last, Perl's CGI the first), so it matches no route.

/** The parameters a route requires: name -> exact value (percent-decoded). */
export type RequiredQuery = Readonly<Record<string, string>>;

/**
 * A field name as PHP stores it: leading spaces dropped, and space, "." and an opening "["
 * turned into "_" ("user.name" and " user name" are both "user_name" to $_POST).
 */
export function phpFieldName(name: string): string {
  return name.trimStart().replace(/[ .[]/g, '_');
}

/** Whether some app could read a query or form field of this name as `field` ("action[]" is PHP's array of action). */
export function mayBeField(name: string, field: string): boolean {
  return name === field || phpFieldName(name) === phpFieldName(field) || name.startsWith(`${field}[`);
}

/** Whether a query ("?a=b" or "") carries every required parameter once, exactly as required. */
export function queryMatches(search: string, required: RequiredQuery): boolean {
  const names = Object.keys(required);
  if (names.length === 0) return true;
  const pairs = [...new URLSearchParams(search)];
  return names.every((field) => {
    const readable = pairs.filter(([name]) => mayBeField(name, field));
    const [only] = readable;
    return readable.length === 1 && only?.[0] === field && only[1] === required[field];
  });
}

/** Whether two required queries are the same set of parameters and values. */
export function sameQuery(a: RequiredQuery, b: RequiredQuery): boolean {
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((name) => b[name] === a[name]);
}

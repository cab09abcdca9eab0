// Owns reading who the app signed in at a login (S13, login.identity): from the login answer
// itself (a cookie's name, the Location, a header, the body) or by asking the app with the new
// session (a JSON "who am I" endpoint, an HTML page). The name is canonicalised like a typed
// one; when the source names nobody, or two different users, there is no identity (the login
// then fails closed).

import type { IncomingHttpHeaders } from 'node:http';
import type { LoginSettings } from '../config/sections/login.js';
import type { IdentitySource } from '../config/sections/login-identity.js';
import { canonicalUsername, usernameRulesOf } from '../config/username.js';
import type { RequestScope } from '../http/scope.js';
import type { Jar } from '../session/cookie-jar.js';
import type { LoginServices } from '../session/services.js';
import { fetchAppPage } from './app-page.js';

/** What of the login answer an identity can be read from. */
export interface AnswerParts {
  readonly headers: IncomingHttpHeaders;
  /** The answer's body, as far as it was read. */
  readonly body: Buffer;
  /** The Set-Cookie lines of the answer. */
  readonly setCookies: readonly string[];
}

/** The value at a dotted path of a JSON document, when it is a string. */
export function fieldAt(document: unknown, path: string): string | undefined {
  let value: unknown = document;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === 'string' ? value : undefined;
}

function percentDecoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The text of an HTML fragment: the named entities of escaping and numeric references decoded. */
export function htmlText(html: string): string {
  return html.replace(/&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|(amp|lt|gt|quot|apos));/gi, (whole, dec, hex, name) => {
    if (name) return ENTITIES[(name as string).toLowerCase()] ?? whole;
    const code = dec ? Number(dec) : Number.parseInt(hex as string, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** The first group that matched, in each of texts; undefined unless exactly one user is named. */
function onlyMatch(pattern: string, texts: readonly string[], decode: (raw: string) => string | undefined) {
  const regex = new RegExp(pattern);
  const names = new Set<string | undefined>();
  for (const text of texts) {
    const match = regex.exec(text);
    if (!match) continue;
    const group = match.slice(1).find((value) => value !== undefined);
    names.add(group === undefined ? undefined : decode(group));
  }
  return names.size === 1 ? [...names][0] : undefined;
}

const asIs = (raw: string) => raw;

/** The names of the cookies an answer sets with a value (a cookie being deleted names nobody). */
function cookiesSet(lines: readonly string[]): string[] {
  const names: string[] = [];
  for (const line of lines) {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0 || pair.slice(eq + 1).trim() === '') continue;
    if (attributes.some((attribute) => /^\s*max-age\s*=\s*(-|0+\s*$)/i.test(attribute))) continue;
    names.push(pair.slice(0, eq).trim());
  }
  return names;
}

function headerValues(headers: IncomingHttpHeaders, name: string): string[] {
  const value = headers[name.toLowerCase()];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The raw name an answer-part source finds in the login answer (pure); undefined for the sources that ask the app. */
export function identityInAnswer(source: IdentitySource, answer: AnswerParts): string | undefined {
  switch (source.source) {
    case 'cookie':
      return onlyMatch(source.pattern, cookiesSet(answer.setCookies), percentDecoded);
    case 'location':
      return onlyMatch(source.pattern, headerValues(answer.headers, 'location'), percentDecoded);
    case 'header':
      return onlyMatch(source.pattern, headerValues(answer.headers, source.header), asIs);
    case 'body':
      return onlyMatch(source.pattern, [answer.body.toString('utf8')], asIs);
    default:
      return undefined;
  }
}

/** The raw name a who-am-I source finds in the app's page (pure). */
export function identityInPage(source: IdentitySource, status: number, body: string): string | undefined {
  if (status !== 200) return undefined;
  if (source.source === 'page') return onlyMatch(source.pattern, [body], (raw) => htmlText(raw));
  if (source.source !== 'json') return undefined;
  try {
    return fieldAt(JSON.parse(body), source.field);
  } catch {
    return undefined;
  }
}

/** Asks the app's who-am-I page with the session in jar. */
async function askApp(
  scope: RequestScope,
  services: LoginServices,
  jar: Jar,
  source: Extract<IdentitySource, { path: string }>,
): Promise<string | undefined> {
  const accept = source.source === 'json' ? 'application/json' : 'text/html';
  const answer = await fetchAppPage(scope, services, jar, source.path, accept);
  return identityInPage(source, answer.status, answer.body.toString('utf8'));
}

/** What the configured source says of a login: not configured, nobody, or the user (canonicalised). */
export type Identity = { configured: false } | { configured: true; user: string | undefined };

/** Who the app signed in, by the configured source: in the login answer, or asked with the session in jar. */
export async function appIdentity(
  scope: RequestScope,
  services: LoginServices,
  answer: AnswerParts,
  jar: Jar,
): Promise<Identity> {
  const login = scope.runtime.config.login as LoginSettings;
  const source = login.identity;
  if (!source) return { configured: false };
  const raw =
    source.source === 'json' || source.source === 'page'
      ? await askApp(scope, services, jar, source)
      : identityInAnswer(source, answer);
  return {
    configured: true,
    user: raw === undefined ? undefined : canonicalUsername(raw, usernameRulesOf(login.username)),
  };
}

// Owns the canonical form of a username: the one spelling under which roles, factors,
// lockouts and allowlists are looked up, so that "Alice", " alice" and "ａｌｉｃｅ" (fullwidth)
// cannot be three users to the gateway while the app sees one (S1).

export interface UsernameRules {
  trim: boolean;
  /** Unicode NFKC: compatibility forms (fullwidth, ligatures) fold to their plain letters. */
  nfkc: boolean;
  caseFold: boolean;
}

export const DEFAULT_USERNAME_RULES: UsernameRules = { trim: true, nfkc: true, caseFold: true };

/** The rules of the `login.username` section, in this module's form. */
export function usernameRulesOf(settings: { trim: boolean; nfkc: boolean; case_fold: boolean }): UsernameRules {
  return { trim: settings.trim, nfkc: settings.nfkc, caseFold: settings.case_fold };
}

/** Control and invisible formatting characters: never part of a real name, often part of a trick. */
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/** The canonical username, or undefined when nothing of it is left or it hides invisible characters. */
export function canonicalUsername(raw: string, rules: UsernameRules = DEFAULT_USERNAME_RULES): string | undefined {
  let name = rules.nfkc ? raw.normalize('NFKC') : raw;
  if (rules.trim) name = name.trim();
  if (rules.caseFold) name = name.toLowerCase();
  if (name === '' || INVISIBLE.test(name) || name.length > 256) return undefined;
  return name;
}

// Owns the normalisation of a security-question answer before it is hashed or checked (S6):
// the same answer typed on another day, keyboard or phone must give the same string, and
// nothing more than that is forgiven (every forgiveness costs guessing entropy).

// Leading and trailing punctuation ("Rex!", "'rex'", "rex.") is forgiven; inner punctuation
// ("o'brien", "jean-luc") is part of the answer. \p{P} is Unicode's punctuation categories.
const SURROUNDING = /^[\p{P}\s]+|[\p{P}\s]+$/gu;
// \s in a Unicode regexp is every White_Space character: tabs, NBSP (already a space after NFKC),
// ideographic space, line breaks.
const INNER_SPACES = /\s+/gu;

/**
 * The normalised answer: Unicode NFKC (compatibility forms folded: full-width letters, ligatures
 * such as "ﬁ", superscripts, and a decomposed "e" + combining acute composed to "é"); case folded
 * (upper-cased then lower-cased, so "ß" matches "SS" and "ss", final "ς" matches "σ"); surrounding
 * spaces and punctuation trimmed; every inner run of spaces made one space. Accents are NOT
 * stripped: "José" and "Jose" are different answers (NFKC composes accents, it does not remove
 * them, and stripping would merge answers that differ in many languages).
 */
export function normalizeAnswer(raw: string): string {
  const folded = raw.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
  return folded.replace(SURROUNDING, '').replace(INNER_SPACES, ' ');
}

/** The length a minimum applies to: Unicode code points of the normalised answer. */
export function answerLength(normalised: string): number {
  return [...normalised].length;
}

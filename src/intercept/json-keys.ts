// Owns one question JSON.parse cannot answer: does an object repeat a key? {"username":"bob",
// "username":"alice"} parses to alice, but an upstream parser may keep bob; a login body the
// gateway and the app could read differently is refused (S1).

/** Whether any object in the JSON text has the same key twice (after unescaping). Assumes valid JSON. */
export function hasDuplicateKeys(text: string): boolean {
  const scopes: Array<Set<string> | null> = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (char === '"') {
      const end = stringEnd(text, i);
      const scope = scopes.at(-1);
      // A string directly followed by ":" inside an object is a key.
      let next = end + 1;
      while (next < text.length && /\s/.test(text[next] as string)) next++;
      if (scope && text[next] === ':') {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (scope.has(key)) return true;
        scope.add(key);
      }
      i = end + 1;
      continue;
    }
    if (char === '{') scopes.push(new Set());
    else if (char === '[') scopes.push(null);
    else if (char === '}' || char === ']') scopes.pop();
    i++;
  }
  return false;
}

/** The index of the closing quote of the string that opens at start. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i;
}

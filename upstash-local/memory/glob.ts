// Redis glob patterns (KEYS, SCAN MATCH) as regular expressions:
// * ? [abc] [^a] [a-z] and backslash escapes, as in Redis's stringmatchlen.

const compiled = new Map<string, RegExp>();
const CACHE_LIMIT = 256;

export function globToRegExp(pattern: string): RegExp {
  let regexp = compiled.get(pattern);
  if (regexp === undefined) {
    // SCAN callers repeat one pattern across many calls; a small cache avoids recompiling it.
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    regexp = new RegExp(`^${translate(pattern)}$`, "su");
    compiled.set(pattern, regexp);
  }
  return regexp;
}

function translate(pattern: string): string {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === "*") source += ".*";
    else if (char === "?") source += ".";
    else if (char === "\\" && i + 1 < pattern.length) source += escape(pattern[++i]);
    else if (char === "[") {
      const [set, end] = characterSet(pattern, i + 1);
      source += set;
      i = end;
    } else source += escape(char);
  }
  return source;
}

/** Reads a [...] set starting after "["; returns its regexp and the index of the closing "]". */
function characterSet(pattern: string, start: number): [string, number] {
  let i = start;
  const negate = pattern[i] === "^";
  if (negate) i++;
  let members = "";
  // An unclosed set runs to the end of the pattern, as in Redis.
  for (; i < pattern.length && pattern[i] !== "]"; i++) {
    if (pattern[i] === "\\" && i + 1 < pattern.length) {
      members += escapeInSet(pattern[++i]);
    } else if (pattern[i + 1] === "-" && i + 2 < pattern.length) {
      // As in Redis, "[a-]" is a range from "a" to "]", not "a" or "-".
      let from = pattern[i];
      let to = pattern[i + 2];
      if (from > to) [from, to] = [to, from];
      members += `${escapeInSet(from)}-${escapeInSet(to)}`;
      i += 2;
    } else {
      members += escapeInSet(pattern[i]);
    }
  }
  // An empty set matches nothing ([^] would match anything in JS).
  if (members === "") return [negate ? "[\\s\\S]" : "(?!)", i];
  return [`[${negate ? "^" : ""}${members}]`, i];
}

function escape(char: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(char) ? `\\${char}` : char;
}

function escapeInSet(char: string): string {
  return /[\]\\^-]/.test(char) ? `\\${char}` : char;
}

// JSON5.parse keeps the last of a key written twice without a word (`{name: "web", ..., name: "api"}` ran a service
// "api"), where the same key twice in YAML or JSON is refused: this finds the first such key in a JSON5 text.
import JSON5 from 'json5';

export interface Json5DuplicateKey {
  key: string;
  /** 1-based line and column of the second use, and of the first. */
  line: number;
  col: number;
  firstLine: number;
  firstCol: number;
}

interface Frame {
  /** Keys seen in this object, with their offsets; undefined for an array. */
  keys: Map<string, number> | undefined;
  expectKey: boolean;
}

const PUNCTUATION = new Set(['{', '}', '[', ']', ':', ',']);
const LINE_END = /\r\n|[\n\r\u2028\u2029]/g;

/** The key a key token stands for: a quoted string or an identifier (maybe with `\u` escapes). */
function keyOf(token: string): string {
  if (token[0] === '"' || token[0] === "'") return JSON5.parse<string>(token);
  if (!token.includes('\\')) return token;
  return Object.keys(JSON5.parse<Record<string, unknown>>(`{${token}:0}`))[0] ?? token;
}

function position(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  LINE_END.lastIndex = 0;
  for (let m = LINE_END.exec(text); m && m.index < offset; m = LINE_END.exec(text)) {
    line += 1;
    start = m.index + m[0].length;
  }
  return { line, col: offset - start + 1 };
}

/** The end (exclusive) of the token starting at i: a string, a comment, punctuation or a word (number, identifier, literal). */
function tokenEnd(text: string, i: number): number {
  const c = text[i]!;
  if (c === '"' || c === "'") {
    let j = i + 1;
    while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  if (c === '/' && text[i + 1] === '/') {
    LINE_END.lastIndex = i;
    const m = LINE_END.exec(text);
    return m ? m.index : text.length;
  }
  if (c === '/' && text[i + 1] === '*') {
    const j = text.indexOf('*/', i + 2);
    return j < 0 ? text.length : j + 2;
  }
  if (PUNCTUATION.has(c)) return i + 1;
  let j = i;
  while (j < text.length && !PUNCTUATION.has(text[j]!) && !/\s|\uFEFF/.test(text[j]!) && text[j] !== '"' && text[j] !== "'" && text[j] !== '/') j += 1;
  return Math.max(j, i + 1);
}

/** The first key written twice in one object of a text JSON5 reads; undefined when there is none. */
export function json5DuplicateKey(text: string): Json5DuplicateKey | undefined {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; ) {
    if (/\s|\uFEFF/.test(text[i]!)) {
      i += 1;
      continue;
    }
    const end = tokenEnd(text, i);
    const token = text.slice(i, end);
    const top = stack[stack.length - 1];
    if (token.startsWith('//') || token.startsWith('/*')) {
      // a comment
    } else if (token === '{') stack.push({ keys: new Map(), expectKey: true });
    else if (token === '[') stack.push({ keys: undefined, expectKey: false });
    else if (token === '}' || token === ']') stack.pop();
    else if (token === ',') {
      if (top?.keys) top.expectKey = true;
    } else if (token !== ':' && top?.keys && top.expectKey) {
      top.expectKey = false;
      const key = keyOf(token);
      const first = top.keys.get(key);
      if (first !== undefined) {
        const at = position(text, i);
        const was = position(text, first);
        return { key, line: at.line, col: at.col, firstLine: was.line, firstCol: was.col };
      }
      top.keys.set(key, i);
    }
    i = end;
  }
  return undefined;
}

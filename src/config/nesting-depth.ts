// The YAML parser needs memory and stack for every level of nesting: a config nested past any real one is refused before it parses.
import { Lexer } from 'yaml';

/** Far above any real config (8-10 levels); 1 MiB of `[` took 14 s and ~1 GB before the parser overflowed its stack. */
export const MAX_CONFIG_NESTING = 100;

/** Where a text first nests deeper than `max`, counted on its tokens alone (nothing is built): flow `[`/`{`, and `- `/`? ` on one line. */
export function tooDeep(text: string, max = MAX_CONFIG_NESTING): { line: number } | undefined {
  let flow = 0;
  let onLine = 0;
  let line = 1;
  let scalarNext = false;
  for (const token of new Lexer().lex(text)) {
    // A scalar's source (`"[["`, a block scalar's lines) is one token after the marker: its brackets are text.
    if (scalarNext) {
      scalarNext = false;
      line += token.split('\n').length - 1;
      continue;
    }
    if (token === '\u001f') scalarNext = true;
    else if (token === '\n' || token === '\r\n') {
      line++;
      onLine = 0;
    } else if (token === '[' || token === '{') flow++;
    else if (token === ']' || token === '}') flow = Math.max(0, flow - 1);
    else if (token === '-' || token === '?') onLine++;
    else if (token.includes('\n')) line += token.split('\n').length - 1;
    if (flow + onLine > max) return { line };
  }
  return undefined;
}

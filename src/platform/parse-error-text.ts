// Why this exists: parsers quote the input around a syntax error (Node's JSON.parse a snippet, yaml a code frame), and
// beside the error there is often a secret, cut where no redaction recognises it; the message keeps only where.

/** Line and column (1-based) of offset in text. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

/**
 * JSON.parse's message without the input it quotes: `Unexpected token 'h', ..."assword": hunter2hun"... is not valid
 * JSON` becomes `Unexpected token at line 3, column 15 (not valid JSON)`. Messages that quote nothing (`... in JSON at
 * position 53`) are kept, with the line and column added.
 */
export function jsonErrorText(message: string, text: string): string {
  const at = /at position (\d+)/.exec(message);
  if (at) return `${message} (${lineColumn(text, Number(at[1]))})`;
  const quoted = /^(.*?)(?:, )?(?:\.\.\.)?"([\s\S]*?)"(?:\.\.\.)? is not valid JSON$/.exec(message);
  if (!quoted) return message;
  // Node quotes up to 10 characters either side of the error: the snippet found once in the text says where.
  const snippet = quoted[2]!;
  const first = text.indexOf(snippet);
  const where = snippet.length > 0 && first >= 0 && text.indexOf(snippet, first + 1) < 0 ? ` near ${lineColumn(text, first + Math.min(10, Math.floor(snippet.length / 2)))}` : '';
  // The token itself may be a secret's first character: kept only when it is punctuation.
  const head = quoted[1]!.replace(/ '([^']*)'$/, (m, t: string) => (/^[^\p{L}\p{N}]$/u.test(t) ? m : ''));
  return `${head}${where} (not valid JSON; the text there is not quoted here)`;
}

/** yaml's message without its code frame (the quoted lines): `... at line 2, column 11`. */
export function yamlErrorText(message: string): string {
  return message.split('\n')[0]!.replace(/:\s*$/, '');
}

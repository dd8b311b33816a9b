// Why this exists: a JSON5 config (`{services:[{name:"web"}]}`, as OpenClaw's own is written) was read as YAML, whose
// flow maps take `name:"web"` for one key: "unknown key(s) "name:"web""". Which parser reads the file is chosen here.
import path from 'node:path';
import JSON5 from 'json5';
import { ConfigError } from './errors.js';
import { json5DuplicateKey } from './json5-duplicate-key.js';

export type ConfigSyntax = 'yaml' | 'json5';

/**
 * JSON5 for a `.json5` file; for another name other than `.yaml`/`.yml`, JSON5 when the text opens as JSON does
 * (`{`, or a `//`/`/*` comment), is not strict JSON, and JSON5 reads it. Else YAML (a superset of JSON).
 */
export function configSyntax(file: string, text: string): ConfigSyntax {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json5') return 'json5';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (!start.startsWith('{') && !start.startsWith('//') && !start.startsWith('/*')) return 'yaml';
  try {
    JSON.parse(text.replace(/^\uFEFF/, ''));
    return 'yaml';
  } catch {
    try {
      JSON5.parse(text);
      return 'json5';
    } catch {
      return 'yaml';
    }
  }
}

/**
 * The JSON5 text's value; a syntax error names its line and column (the character itself only when punctuation), and
 * so does a key written twice in one object (JSON5 itself keeps the last silently; YAML and JSON files refuse it too).
 */
export function parseJson5(text: string, file: string): unknown {
  let value: unknown;
  try {
    value = JSON5.parse(text) as unknown;
  } catch (err) {
    const e = err as { message: string; lineNumber?: number; columnNumber?: number };
    // "JSON5: invalid character 'h' at 2:5": the character may be a secret's first one, and the place is said apart.
    const words = e.message.replace(/^JSON5:\s*/, '').replace(/\s+at \d+:\d+$/, '').replace(/ '([^']*)'$/, (m, c: string) => (/^[^\p{L}\p{N}]$/u.test(c) ? m : ''));
    const at = e.lineNumber !== undefined && e.columnNumber !== undefined ? { line: e.lineNumber, col: e.columnNumber } : {};
    throw new ConfigError(file, [{ path: '(file)', message: `cannot parse: ${words}; expected JSON5, as the name ending in .json5 says (YAML is read from a .yaml file)`, ...at }]);
  }
  const twice = json5DuplicateKey(text);
  if (twice) {
    const message = `cannot parse: key ${JSON.stringify(twice.key)} appears twice in one mapping (first at line ${twice.firstLine}, col ${twice.firstCol}): expected each key once; remove or rename one`;
    throw new ConfigError(file, [{ path: '(file)', message, line: twice.line, col: twice.col }]);
  }
  return value;
}

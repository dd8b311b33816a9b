// Config errors that name the field, the value found and what was expected.
import type { z } from 'zod';

export interface ConfigProblem {
  path: string;
  message: string;
  value?: unknown;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`invalid config ${file}:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out ? `.${String(s)}` : String(s);
  }
  return out || '(top level)';
}

function preview(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function formatProblem(p: ConfigProblem): string {
  const got = p.value === undefined ? '' : ` (got ${preview(p.value)})`;
  return `${p.path}: ${p.message}${got}`;
}

/** Turns zod issues into problems, looking the offending value up in the raw input. */
export function problemsFromZod(error: z.ZodError, raw: unknown): ConfigProblem[] {
  return error.issues.map((issue) => {
    let value: unknown = raw;
    for (const seg of issue.path) {
      value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[seg as PropertyKey] : undefined;
    }
    let message = issue.message.replace(/^Invalid input: /, '');
    if (issue.code === 'unrecognized_keys') message = `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    const p: ConfigProblem = { path: formatPath(issue.path), message };
    if (value !== undefined && issue.code !== 'unrecognized_keys') p.value = value;
    return p;
  });
}

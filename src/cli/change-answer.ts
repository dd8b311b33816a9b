// The commands that change things through the daemon (start, stop, maintenance, scale, reload, update...) answered only
// in words, so a script could not read their result: one way to end them, a line for a person or one JSON object.
import { exitCodeOfAnswer } from './fail.js';
import { exitWithError, wantsJson, type ErrorKind } from './json-error.js';
import { terminalSafe } from './terminal-safe.js';

/** The daemon's answer to a change: `message` always, more fields for some (reload: added, removed...; update: runId). */
export interface ChangeAnswer {
  ok?: boolean;
  message?: string;
  error?: string;
  problems?: string[];
  [key: string]: unknown;
}

/** The `kind` of a refused change in the --json error answer: 404 unknown, 400 an invalid config file on reload. */
export function changeErrorKind(status: number, configReload = false): ErrorKind {
  if (status === 404) return 'not-found';
  return status === 400 && configReload ? 'invalid-config' : 'refused';
}

export interface EndOptions {
  /** A config reload: a 400 is an invalid config file (exit 2). */
  configReload?: boolean;
  /** Applied to every text shown (the notifier's redactor). */
  redact?: (text: string) => string;
  /** The command line (default process.argv): --json asks for one JSON object on stdout. */
  args?: readonly string[];
}

/**
 * Prints the daemon's answer to a change and, when it was refused, ends with the documented code. Success: the message
 * (a person), or under --json the answer as one line `{"ok":true,"message":"…",…}`. Refused: the JSON error envelope.
 */
export function printChangeAnswer(r: { status: number; body: ChangeAnswer }, opts: EndOptions = {}): void {
  const redact = opts.redact ?? ((s: string): string => s);
  const args = opts.args ?? process.argv.slice(2);
  if (r.status >= 400) {
    const text = terminalSafe(redact(String(r.body.message ?? r.body.error ?? `HTTP ${r.status}`)));
    const more = (r.body.problems ?? []).slice(1).map((p) => `\n  - ${terminalSafe(redact(String(p)))}`).join('');
    exitWithError(changeErrorKind(r.status, opts.configReload), text + more, exitCodeOfAnswer(r.status, opts.configReload), args);
  }
  if (wantsJson(args)) {
    const message = redact(String(r.body.message ?? ''));
    process.stdout.write(JSON.stringify({ ...r.body, ok: true, message }) + '\n');
    return;
  }
  process.stdout.write(`${terminalSafe(redact(String(r.body.message)))}\n`);
}

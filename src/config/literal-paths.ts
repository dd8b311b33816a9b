// What a path field or an argv entry takes literally, said by validate, at start and on reload: `cwd: $HOME/app` ran
// the service in ./$HOME/app, `~user/x` became a folder named `~user`, and `[node, ~/app.js]` gave node the text `~/app.js`.
import path from 'node:path';
import type { ClawbackConfig } from './schema.js';
import { argvFields, pathFields } from './path-fields.js';

const VARIABLE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))/;
const HOME_VARIABLE = /\$(?:\{HOME\}|HOME\b)/;
const OTHER_USER = /^~([^/]+)(\/.*)?$/;
/** An argv run by a shell expands its own script (`[sh, -c, "cd ~/app && ..."]`): not said of it. */
const SHELL = /^(?:ba|z|da|k|fi|c|tc)?sh$/;

/** `$HOME/x` as it was meant, `~/x`, for the warning's "expected". */
function meant(value: string): string | undefined {
  const m = /^\$(?:\{HOME\}|HOME)(\/.*)?$/.exec(value);
  return m ? `~${m[1] ?? ''}` : undefined;
}

// Another user's home is not looked up: Node has no getpwnam, and /etc/passwd alone misses LDAP/NSS users, so a guess
// could name the wrong folder. The user is told how to write it out instead.
function pathWarning(field: string, value: string): string | undefined {
  const q = JSON.stringify(value);
  if (OTHER_USER.test(value)) {
    const user = OTHER_USER.exec(value)![1]!;
    return `${field}: ${q} is taken literally, a relative path into a folder named "~${user}" (only a leading ~ or ~/ is your home; ~NAME for another user's home is not expanded); expected that home written out as an absolute path (\`echo ~${user}\` in a shell prints it), or ./~${user}/… for a folder of that name`;
  }
  const v = VARIABLE.exec(value);
  if (!v) return undefined;
  const hint = meant(value);
  return `${field}: ${q} is taken literally, ${v[0]} included (environment variables are not expanded in the config; a leading ~ or ~/ is your home in every path field); expected ${hint ?? 'the path itself'}`;
}

function argvWarning(field: string, argv: readonly string[]): string | undefined {
  if (SHELL.test(path.basename(argv[0] ?? ''))) return undefined;
  const odd = argv.filter((a) => a === '~' || a.startsWith('~/') || HOME_VARIABLE.test(a));
  if (odd.length === 0) return undefined;
  return `${field}: ${odd.map((a) => JSON.stringify(a)).join(', ')} ${odd.length === 1 ? 'is' : 'are'} passed to the program as written (an argv is not a shell: ~ and $HOME are not expanded there); expected the absolute path, or one relative to the service's cwd`;
}

/** One line per path field or argv holding what a shell would expand but the config does not. */
export function literalPathWarnings(declared: ClawbackConfig): string[] {
  const out: string[] = [];
  for (const f of pathFields(declared)) {
    const w = pathWarning(f.field, f.value);
    if (w) out.push(w);
  }
  for (const f of argvFields(declared)) {
    const w = argvWarning(f.field, f.argv);
    if (w) out.push(w);
  }
  return out;
}

// One reading of `~` in a path the user typed or wrote (state dir, config file, service paths), used by the daemon and
// every client command alike: `--state-dir=~/x` meant $HOME/x to `clawback run` but ./~/x to `clawback status`.
import os from 'node:os';
import path from 'node:path';

/** `~` and `~/x` under the home directory; anything else (`~user/x` included) as written. */
export function expandHome(p: string, home: string = os.homedir()): string {
  return p === '~' || p.startsWith('~/') ? path.join(home, p.slice(1)) : p;
}

/** A path typed in a shell (flag or variable), absolute: relative to where it was typed, `~` expanded. */
export function typedPath(p: string, cwd: string = process.cwd()): string {
  return path.resolve(cwd, expandHome(p));
}

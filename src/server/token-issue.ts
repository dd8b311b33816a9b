// The API token's creation: once per state directory, 0600, by the daemon (apart from token.ts so the CLI loads no crypto).
import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, statSync } from 'node:fs';
import { moveAsideNonFile } from '../platform/private-dir.js';
import { writeFileAtomicSync } from '../platform/atomic-write.js';
import { readToken, tokenPath } from './token.js';
import { mkdirRecursiveSync } from '../platform/mkdir-cause.js';

export function ensureToken(stateDir: string, uid: number | undefined = process.getuid?.(), said?: (line: string) => void): string {
  const file = tokenPath(stateDir);
  const existing = readToken(stateDir);
  if (existing && writtenByUs(file, uid)) {
    keepPrivate(file);
    return existing;
  }
  mkdirRecursiveSync(stateDir, 0o700);
  const token = randomBytes(24).toString('base64url');
  moveOddAside(file, said);
  // A rename: a planted link is replaced by our file, the file it pointed at is left alone.
  writeFileAtomicSync(file, token + '\n', { mode: 0o600 });
  return token;
}

/**
 * Whether no other user could have chosen the token: the file (and a link to it) owned by us or root, and not writable
 * by others. Another user who once could write in the state dir (made 0777 by hand, closed by the daemon at start)
 * planted `token` as a link to a file of theirs, or a file of their own: the daemon took their token as it was, and
 * they could stop every service through the API.
 */
function writtenByUs(file: string, uid: number | undefined): boolean {
  if (uid === undefined) return true;
  try {
    const trusted = (st: { uid: number }): boolean => st.uid === uid || st.uid === 0;
    const link = lstatSync(file);
    const target = statSync(file);
    return trusted(link) && trusted(target) && target.isFile() && (target.mode & 0o002) === 0;
  } catch {
    return false;
  }
}

/**
 * A token file someone else wrote (`echo $TOKEN > token`, a copied backup, a restore) is often 0644: any local user could
 * read it and restart, stop or approve agent runs. It was used as it was; it is made 0600 again (best effort: a file we
 * do not own or a read-only mount is left as it is).
 */
function keepPrivate(file: string): void {
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  } catch {
    // Not ours to change: the token still works.
  }
}

/**
 * A directory in the token's place (a `mkdir -p` of a wrong path, a restore) refused the daemon's start ("cannot rename
 * .token.tmp: it is a directory"); a FIFO or a link to /dev/zero there was replaced without a word. Anything not a regular
 * file is kept aside as it is (evidence) and named, so a token file can be written.
 */
function moveOddAside(file: string, said?: (line: string) => void): void {
  try {
    const moved = moveAsideNonFile(file, Date.now());
    if (moved) said?.(`the API token ${file} was ${moved.was}, not a file: moved aside to ${moved.keptAs} (kept as evidence) and a new token written`);
  } catch {
    // Not ours to move: the write below says what is wrong.
  }
}

/**
 * The token file deleted while the daemon runs (a cleanup script, a restore that lacks it): every CLI command that
 * changes something was refused until the daemon was restarted. The daemon writes the token it holds back, 0600 and
 * atomically, when the file is absent; a file present (a token changed by hand, an unreadable one) is the user's and is
 * left as it is, as is a state directory that is gone (moved away: not recreated here). Returns whether it was written.
 */
export function restoreToken(stateDir: string, token: string): boolean {
  const file = tokenPath(stateDir);
  try {
    lstatSync(file);
    return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
  }
  try {
    if (!statSync(stateDir).isDirectory()) return false;
    writeFileAtomicSync(file, token + '\n', { mode: 0o600 });
    return true;
  } catch {
    return false;
  }
}

// The state dir holds the API token, the state, the alert spool and the services' raw logs: a dir an older release or
// a hand-made `mkdir` left open to other users is closed (ours), or named in a warning (another owner's).
import { chmodSync, linkSync, lstatSync, renameSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { specialKind } from './read-regular.js';
import { fileStamp } from './file-stamp.js';
import { mkdirRecursiveSync } from './mkdir-cause.js';

/**
 * Creates `dir` 0700 if missing. If it exists with group or other bits set: owned by this user, the bits are removed
 * and a warning says so; owned by another user, it is left as it is and the warning says why it matters.
 * Returns the warning, or undefined when the dir was already private.
 */
export function ensurePrivateDir(dir: string, uid: number | undefined = process.getuid?.()): string | undefined {
  mkdirRecursiveSync(dir, 0o700);
  const st = statSync(dir);
  const loose = st.mode & 0o077;
  if (loose === 0 || uid === undefined) return undefined;
  const was = (st.mode & 0o777).toString(8).padStart(4, '0');
  if (st.uid !== uid) {
    return `${dir} is mode ${was} and owned by uid ${st.uid}, not this user (${uid}): other users may read the services' logs there; make it 0700`;
  }
  const now = st.mode & 0o700;
  chmodSync(dir, now);
  return `${dir} was mode ${was}, open to other users; set it to ${now.toString(8).padStart(4, '0')} (it holds the API token and the services' logs)`;
}

/**
 * Something other than a directory where one of ours is expected (a file, a FIFO, a link to a file or to nothing, made
 * by a person or a bad restore): mkdir failed with EEXIST and the daemon refused to start, its services unsupervised.
 * It is renamed to `<dir>.not-a-dir-<time>` (kept as evidence) so the directory can be made; returns where it went, or
 * undefined when `dir` is missing or a directory (a link to a directory is the user's choice and kept).
 */
export function moveAsideNonDir(dir: string, now: number): string | undefined {
  return moveAsideUnless(dir, 'directory', now, 'not-a-dir')?.keptAs;
}

/** What was found in a file's place and where it was kept (moveAsideNonFile). */
export interface MovedAside {
  /** "a directory", "a FIFO", "a link to a character device", "a dangling link"… */
  was: string;
  keptAs: string;
}

/**
 * Something other than a regular file where one of the daemon's own files is expected (a directory, a FIFO, a link to
 * /dev/zero or to nothing, made by a person, an agent or a bad restore): it is renamed to `<file>.<tag>-<time>`
 * (kept as evidence, the link itself and not what it points at) so the file can be written again. Returns what it was and
 * where it went, or undefined when `file` is missing, a regular file, or a link to one (the user's choice). A regular
 * file that took its place between the look and the rename (a contender's fresh lock) is put back and left alone.
 */
export function moveAsideNonFile(file: string, now: number, tag = 'not-a-file'): MovedAside | undefined {
  return moveAsideUnless(file, 'file', now, tag);
}

/** Both of the above: `p` renamed to `<p>.<tag>-<time>` unless missing or (itself or through a link) of the kind wanted. */
function moveAsideUnless(p: string, want: 'file' | 'directory', now: number, tag: string): MovedAside | undefined {
  let link: Stats;
  try {
    link = lstatSync(p);
  } catch {
    return undefined;
  }
  const isWanted = (st: Stats): boolean => (want === 'file' ? st.isFile() : st.isDirectory());
  if (isWanted(link)) return undefined;
  let was: string;
  try {
    const target = statSync(p);
    if (isWanted(target)) return undefined;
    was = link.isSymbolicLink() ? `a link to ${specialKind(target)}` : specialKind(target);
  } catch {
    was = 'a dangling link';
  }
  const keptAs = `${p}.${tag}-${fileStamp(now)}`;
  renameSync(p, keptAs);
  if (want === 'directory') return { was, keptAs };
  try {
    if (lstatSync(keptAs).isFile()) {
      // Not what we looked at: a regular file made there meanwhile. Back where it was, unless another took its place.
      try {
        linkSync(keptAs, p);
      } finally {
        unlinkSync(keptAs);
      }
      return undefined;
    }
  } catch {
    // gone meanwhile: nothing kept
  }
  return { was, keptAs };
}

// Log writes never follow a symbolic link at the file itself (O_NOFOLLOW): a link another user plants in a shared log
// directory would otherwise turn the daemon's appends, copies and truncations onto the file it points at.
import { constants, lstatSync, openSync, promises as fsp } from 'node:fs';
import { openRegularSync } from './read-regular.js';

const { O_WRONLY, O_RDWR, O_APPEND, O_CREAT, O_TRUNC, O_NOFOLLOW } = constants;

/** Append, creating the file: the `'a'` of fs.open without following a link. */
export const APPEND_NO_FOLLOW = O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW;
/** Append, creating the file, and read: a log whose last byte tells whether a line was left torn. */
export const APPEND_READ_NO_FOLLOW = O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW;
/** Create or empty, then write: the `'w'` of fs.open without following a link. */
export const REPLACE_NO_FOLLOW = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW;
/** Read and write an existing file (to copy it, then truncate it) without following a link. */
export const UPDATE_NO_FOLLOW = O_RDWR | O_NOFOLLOW;

function isLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

/** ELOOP ("too many symbolic links"), or EACCES for another user's link in a sticky dir, say nothing useful: name the link. */
function explained(err: unknown, file: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if ((code !== 'ELOOP' && code !== 'EACCES') || !isLink(file)) return err;
  const e = new Error(`${file} is a symbolic link: clawback does not follow a link to write a log (point logs.dir at the real directory)`) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

export function openNoFollowSync(file: string, flags: number, mode = 0o600): number {
  try {
    return openSync(file, flags, mode);
  } catch (err) {
    throw explained(err, file);
  }
}

export async function openNoFollow(file: string, flags: number, mode = 0o600): Promise<fsp.FileHandle> {
  try {
    return await fsp.open(file, flags, mode);
  } catch (err) {
    throw explained(err, file);
  }
}

/**
 * Opens a log of Clawback's own for appending, refusing anything but a regular file: the blocking open of a FIFO put
 * in its place waits for a reader on the daemon's main thread (the whole daemon frozen), and its writes would go
 * nowhere. O_NONBLOCK makes that open fail (ENXIO) or return at once; only a regular file is kept. Opened for reading
 * too, so the stream can see a line left torn at the end (a full disk, a kill mid-write) and not glue the next to it.
 */
export function openOwnLogSync(file: string, mode = 0o600): number {
  try {
    return openRegularSync(file, APPEND_READ_NO_FOLLOW, mode, 'move it aside so the log can be written');
  } catch (err) {
    throw explained(err, file);
  }
}

// A write the disk refused, said with the file and the room left on its filesystem: the guardian's report read only
// "probeServices: ENOSPC: no space left on device, write", which named neither the file nor the disk to clear.
import path from 'node:path';
import { ERRNO_WORDS } from '../platform/errno-words.js';
import { formatBytes } from '../probes/byte-size.js';
import { diskRoom, type DiskRoom } from '../platform/disk-room.js';

/** Codes of a disk that has no room (for the writer): the room left is worth saying with them. */
const NO_ROOM = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

export { diskRoom, type DiskRoom };

/** "; its filesystem has 0 B free of 2.0 MiB", or '' when the room is not known. */
export function roomText(room: DiskRoom | undefined): string {
  return room ? `; its filesystem has ${formatBytes(room.free)} free of ${formatBytes(room.size)}` : '';
}

/**
 * The error's text naming its file (its own path, else `where`: the directory the step writes in) and, for a disk with
 * no room, the room left there: "<file>: no space left on the device (ENOSPC, write); its filesystem has 0 B free of
 * 2.0 MiB". Any other error: its message, unchanged.
 */
export function diskRefusalText(err: unknown, where?: string, room: (dir: string) => DiskRoom | undefined = diskRoom): string {
  const e = err as NodeJS.ErrnoException;
  const text = err instanceof Error ? err.message : String(err);
  if (!(err instanceof Error) || typeof e.code !== 'string' || !/^E[A-Z0-9]+$/.test(e.code)) return text;
  const file = typeof e.path === 'string' ? e.path : undefined;
  const named = file ?? (where !== undefined ? `a file in ${where}` : undefined);
  if (named === undefined) return text;
  const words = `${ERRNO_WORDS[e.code] ?? text} (${e.code}${e.syscall ? `, ${e.syscall}` : ''})`;
  if (!NO_ROOM.has(e.code)) return file !== undefined && text.includes(file) ? text : `${named}: ${words}`;
  const left = room(file !== undefined ? path.dirname(file) : where!);
  return `${named}: ${words}${roomText(left)}`;
}

/**
 * "<name>: <refusal>", the name said once: a refusal that already names the file (its own path ends in name, or a
 * temp file of it) read "guardian-revive.json: /s/guardian-revive.json: no space ...".
 */
export function namedDiskRefusal(name: string, err: unknown, where?: string, room?: (dir: string) => DiskRoom | undefined): string {
  const text = diskRefusalText(err, where, room);
  const file = (err as NodeJS.ErrnoException | undefined)?.path;
  return typeof file === 'string' && path.basename(file).startsWith(name) && text.includes(file) ? text : `${name}: ${text}`;
}

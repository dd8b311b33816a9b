// Whether a service's log can take output now (its directory made, the file opened for append, room on its disk): the
// check that clears the service-log fault once a read-only or full logs directory works again.
import { closeSync } from 'node:fs';
import path from 'node:path';
import { APPEND_NO_FOLLOW, openNoFollowSync } from '../platform/no-follow.js';
import { LOG_ROOM_MIN_BYTES, diskRoom } from '../platform/disk-room.js';
import { mkdirRecursiveSync } from '../platform/mkdir-cause.js';

export function logWritable(file: string): boolean {
  try {
    mkdirRecursiveSync(path.dirname(file), 0o700);
    closeSync(openNoFollowSync(file, APPEND_NO_FOLLOW));
    // The room a new start needs to get the file itself (see service-process's outputTarget), so the fault clears then.
    return (diskRoom(path.dirname(file))?.free ?? LOG_ROOM_MIN_BYTES) >= LOG_ROOM_MIN_BYTES;
  } catch {
    return false;
  }
}

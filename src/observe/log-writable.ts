// Whether a service's log can take output now (its directory made, the file opened for append, room on its disk): the
// check that clears the service-log fault once a read-only or full logs directory works again.
import { closeSync, mkdirSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { APPEND_NO_FOLLOW, openNoFollowSync } from '../platform/no-follow.js';

export function logWritable(file: string): boolean {
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    closeSync(openNoFollowSync(file, APPEND_NO_FOLLOW));
    const s = statfsSync(path.dirname(file));
    return s.bavail > 0;
  } catch {
    return false;
  }
}

// One answer to "is path P inside directory D", so a file named `..x` directly in D is never taken for outside.
import { realpathSync } from 'node:fs';
import path from 'node:path';

/**
 * P relative to D when P is D itself ('') or lies under it, else undefined. Lexical: both are resolved against the
 * working directory (a relative D, a trailing slash, `.` and `..` segments are fine), links are not followed, names
 * are compared as written (case-sensitive, also on a case-insensitive file system). `..x` is a name inside D.
 */
export function relativeWithin(dir: string, p: string): string | undefined {
  const rel = path.relative(path.resolve(dir), path.resolve(p));
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return undefined;
  return rel;
}

/** Whether P is D itself or lies under it (lexical; see relativeWithin). */
export function isWithin(dir: string, p: string): boolean {
  return relativeWithin(dir, p) !== undefined;
}

/** Whether P lies under D, D itself excluded (lexical; see relativeWithin). */
export function isStrictlyInside(dir: string, p: string): boolean {
  const rel = relativeWithin(dir, p);
  return rel !== undefined && rel !== '';
}

/**
 * P with its links resolved as far as it exists: the longest existing ancestor's real path, the rest appended as
 * written (a file not created yet, or already moved away, still has a place). Compare two paths this way when one of
 * them may have been reached through a link.
 */
export function realPathAsFarAsExists(p: string): string {
  const abs = path.resolve(p);
  const rest: string[] = [];
  for (let at = abs; ; ) {
    try {
      return path.join(realpathSync.native(at), ...rest.reverse());
    } catch {
      const up = path.dirname(at);
      if (up === at) return abs;
      rest.push(path.basename(at));
      at = up;
    }
  }
}

// The API token's creation: once per state directory, 0600, by the daemon (apart from token.ts so the CLI loads no crypto).
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { writeFileAtomicSync } from '../platform/atomic-write.js';
import { readToken, tokenPath } from './token.js';

export function ensureToken(stateDir: string): string {
  const existing = readToken(stateDir);
  if (existing) {
    keepPrivate(tokenPath(stateDir));
    return existing;
  }
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(24).toString('base64url');
  writeFileAtomicSync(tokenPath(stateDir), token + '\n', { mode: 0o600 });
  return token;
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

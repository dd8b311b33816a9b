// The API token's creation: once per state directory, 0600, by the daemon (apart from token.ts so the CLI loads no crypto).
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { writeFileAtomicSync } from '../platform/atomic-write.js';
import { readToken, tokenPath } from './token.js';

export function ensureToken(stateDir: string): string {
  const existing = readToken(stateDir);
  if (existing) return existing;
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(24).toString('base64url');
  writeFileAtomicSync(tokenPath(stateDir), token + '\n', { mode: 0o600 });
  return token;
}

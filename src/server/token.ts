// The API token: created once per state directory, 0600, read by the CLI and the dashboard's user.
import { randomBytes } from 'node:crypto';
import { readFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../platform/atomic-write.js';

export function tokenPath(stateDir: string): string {
  return path.join(stateDir, 'token');
}

export function readToken(stateDir: string): string | undefined {
  try {
    const t = readFileSync(tokenPath(stateDir), 'utf8').trim();
    return t.length >= 16 ? t : undefined;
  } catch {
    return undefined;
  }
}

export function ensureToken(stateDir: string): string {
  const existing = readToken(stateDir);
  if (existing) return existing;
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(24).toString('base64url');
  writeFileAtomicSync(tokenPath(stateDir), token + '\n', { mode: 0o600 });
  return token;
}

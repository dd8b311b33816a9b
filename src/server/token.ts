// The API token as the CLI and the dashboard's user read it (the daemon creates it: token-issue.ts).
import path from 'node:path';
import { readRegularFileSync } from '../platform/read-regular.js';

export function tokenPath(stateDir: string): string {
  return path.join(stateDir, 'token');
}

export function readToken(stateDir: string): string | undefined {
  try {
    // Without blocking: a FIFO in its place would hold the daemon's start (and every CLI call) for good.
    const t = readRegularFileSync(tokenPath(stateDir)).toString('utf8').trim();
    return t.length >= 16 && sendable(t) ? t : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a token can travel in an `Authorization: Bearer` header at all: a control character (a tab, a stray CR) or
 * one past U+00FF (`€`, an emoji) is refused by every HTTP client (Node: ERR_INVALID_CHAR, a browser's fetch: TypeError),
 * so a hand-written token holding one was kept by the daemon and no CLI call or dashboard button could ever use it.
 * Such a file reads as no token (the daemon writes a fresh one), as a too-short one does.
 */
function sendable(token: string): boolean {
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c > 0xff) return false;
  }
  return true;
}

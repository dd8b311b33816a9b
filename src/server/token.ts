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
    return t.length >= 16 ? t : undefined;
  } catch {
    return undefined;
  }
}

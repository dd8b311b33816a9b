// The API token as the CLI and the dashboard's user read it (the daemon creates it: token-issue.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';

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

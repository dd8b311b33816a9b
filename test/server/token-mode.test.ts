// The API token file stays 0600 even when someone else wrote it world-readable (any local user could control services).
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureToken } from '../../src/server/token-issue.js';
import { tokenPath } from '../../src/server/token.js';
import { tempDir } from '../helpers/daemon.js';

describe('the API token file', () => {
  it('is created 0600', () => {
    const stateDir = path.join(tempDir(), 'state');
    ensureToken(stateDir);
    expect(statSync(tokenPath(stateDir)).mode & 0o777).toBe(0o600);
  });

  it('keeps a token written 0644 by hand, made 0600', () => {
    const stateDir = path.join(tempDir(), 'state');
    mkdirSync(stateDir, { recursive: true });
    const mine = 'a-token-i-chose-for-prometheus-1234';
    writeFileSync(tokenPath(stateDir), `${mine}\n`, { mode: 0o644 });
    expect(ensureToken(stateDir)).toBe(mine);
    expect(statSync(tokenPath(stateDir)).mode & 0o777).toBe(0o600);
  });
});

// A token file another user could have chosen (a link planted while the state dir was open to them, a file of theirs,
// a file anyone may write) is replaced by a fresh one: the daemon took such a token as it was, and that user could
// stop every service through the API.
import { chmodSync, lchownSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureToken } from '../../src/server/token-issue.js';
import { readToken, tokenPath } from '../../src/server/token.js';
import { tempDir } from '../helpers/daemon.js';

const me = process.getuid!();
/** Another user: as root, files are given to `nobody`; otherwise the daemon is told it runs as another uid than ours. */
const OTHER = 65534;
const daemonUid = me === 0 ? 0 : me + 1;
function giveToOther(file: string): void {
  if (me === 0) lchownSync(file, OTHER, OTHER);
}

function stateWithMallory(): { stateDir: string; theirs: string } {
  const root = tempDir();
  const stateDir = path.join(root, 'state');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const theirs = path.join(root, 'mallory-token');
  writeFileSync(theirs, 'mallory-knows-this-token-1234567890\n', { mode: 0o644 });
  giveToOther(theirs);
  return { stateDir, theirs };
}

describe.skipIf(process.platform === 'win32')('a token file another user planted', () => {
  it('is not used when it is a link to their file: a fresh token replaces the link, their file is left alone', () => {
    const { stateDir, theirs } = stateWithMallory();
    symlinkSync(theirs, tokenPath(stateDir));
    giveToOther(tokenPath(stateDir));
    const token = ensureToken(stateDir, daemonUid);
    expect(token).not.toBe('mallory-knows-this-token-1234567890');
    expect(lstatSync(tokenPath(stateDir)).isSymbolicLink()).toBe(false);
    expect(readToken(stateDir)).toBe(token);
    expect(statSync(tokenPath(stateDir)).mode & 0o777).toBe(0o600);
    expect(readFileSync(theirs, 'utf8')).toBe('mallory-knows-this-token-1234567890\n');
    expect(statSync(theirs).mode & 0o777).toBe(0o644);
  });

  it('is not used when the file itself is theirs', () => {
    const { stateDir } = stateWithMallory();
    writeFileSync(tokenPath(stateDir), 'mallory-knows-this-token-1234567890\n', { mode: 0o600 });
    giveToOther(tokenPath(stateDir));
    expect(ensureToken(stateDir, daemonUid)).not.toBe('mallory-knows-this-token-1234567890');
  });

  it('is not used when anyone may write it', () => {
    const stateDir = path.join(tempDir(), 'state');
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(tokenPath(stateDir), 'anyone-could-have-written-this-1234\n');
    chmodSync(tokenPath(stateDir), 0o666);
    expect(ensureToken(stateDir)).not.toBe('anyone-could-have-written-this-1234');
    expect(statSync(tokenPath(stateDir)).mode & 0o777).toBe(0o600);
  });

  it('is kept when it is ours (a token chosen by hand)', () => {
    const stateDir = path.join(tempDir(), 'state');
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(tokenPath(stateDir), 'a-token-i-chose-for-prometheus-1234\n', { mode: 0o640 });
    expect(ensureToken(stateDir)).toBe('a-token-i-chose-for-prometheus-1234');
  });
});

// logs.redact: the redactor holds the service's log open. A log deleted or moved away while it writes (rm, logrotate's
// create mode) took every later line into the unlinked or renamed file: unseen by `clawback logs` and the log probes,
// never rotated, growing without bound (the daemon's /proc put-back is for a plain service's own descriptor).
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE, tempDir } from '../helpers/daemon.js';
import { killTree, pidRef, waitFor, TEST_CHILD_ENV, type PidRef } from '../helpers/processes.js';
import { rotateIfLarger } from '../../src/observe/log-rotation.js';

const REDACTOR = fileURLToPath(new URL('../../dist/observe/log-redactor.js', import.meta.url));
const SECRET = 'tok-RRRRRRRRRRRRRRRRRRRR';

let child: ChildProcess | undefined;
let childRef: PidRef | undefined;
afterEach(() => {
  if (childRef) killTree(childRef);
  child = undefined;
  childRef = undefined;
});

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** A redactor writing `file`, and a way to write a line into it as the service would. */
function startRedactor(file: string): (line: string) => void {
  child = spawn(NODE, [REDACTOR, file], { env: { ...process.env, [TEST_CHILD_ENV]: '1', SERVICE_TOKEN: SECRET }, detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  childRef = child.pid ? pidRef(child.pid) : undefined;
  const stdin = child.stdin!;
  return (line) => void stdin.write(`${line}\n`);
}

/** Writes a numbered line every 100 ms until `until` holds (bounded by waitFor's bound). */
async function writeUntil(write: (line: string) => void, tag: string, until: () => boolean): Promise<void> {
  let n = 0;
  await waitFor(() => {
    write(`${tag} ${n++} token=${SECRET} ${'p'.repeat(200)}`);
    return until();
  }, { timeoutMs: 20_000, intervalMs: 100 });
}

describe('the log redactor and a log deleted or moved away under it', () => {
  it('a deleted log: later lines land in a new file of that name (redacted), not in the unlinked one', async () => {
    const file = path.join(tempDir(), 'svc.log');
    const write = startRedactor(file);
    await writeUntil(write, 'before', () => read(file).includes('before 0'));
    unlinkSync(file);
    await writeUntil(write, 'after', () => read(file).includes('after'));
    expect(read(file)).toContain('token=[REDACTED]');
    expect(read(file)).not.toContain(SECRET);
  }, 60_000);

  it('a log moved away (logrotate create mode): later lines land in the file of that name; the moved one stops growing', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'svc.log');
    const moved = path.join(dir, 'svc.log.old');
    const write = startRedactor(file);
    await writeUntil(write, 'before', () => read(file).includes('before 0'));
    renameSync(file, moved);
    await writeUntil(write, 'after', () => read(file).includes('after'));
    const kept = read(moved);
    write('one more line');
    await waitFor(() => read(file).includes('one more line'), { timeoutMs: 20_000 });
    expect(read(moved)).toBe(kept);
    expect(kept).not.toContain('one more line');
  }, 60_000);

  it("the daemon's copy-truncate rotation keeps the file: no reopen, every line after it in the live file", async () => {
    const file = path.join(tempDir(), 'svc.log');
    const write = startRedactor(file);
    await writeUntil(write, 'fill', () => read(file).length > 4096);
    expect(await rotateIfLarger(file, 1024, 2)).toBe(true);
    expect(existsSync(`${file}.1`)).toBe(true);
    await writeUntil(write, 'after-rotation', () => read(file).includes('after-rotation 5'));
    // The live file holds what came after the truncate, from its start (the same inode, opened O_APPEND).
    expect(read(file).startsWith('fill') || read(file).startsWith('after-rotation')).toBe(true);
    expect(read(file)).toContain('after-rotation 0');
  }, 60_000);
});

// What `clawback install` last wrote to each unit/plist (a hash per path, in the state dir), so a file someone changed since is kept as a copy before it is replaced or removed.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { fileStamp } from './file-stamp.js';
import { mkdirRecursive } from './mkdir-cause.js';

export const INSTALL_RECORD = 'install-record.json';
export const INSTALL_COPIES_DIR = 'install-backups';

export function contentHash(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** path -> sha256 of what install last wrote there; empty when there is no record or it is unreadable. */
export async function readInstallRecord(stateDir: string): Promise<Record<string, string>> {
  try {
    const raw = JSON.parse(await fs.readFile(path.join(stateDir, INSTALL_RECORD), 'utf8')) as { files?: unknown };
    const files = raw.files;
    if (!files || typeof files !== 'object') return {};
    return Object.fromEntries(Object.entries(files as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

export async function writeInstallRecord(stateDir: string, files: Record<string, string>): Promise<void> {
  const file = path.join(stateDir, INSTALL_RECORD);
  if (Object.keys(files).length === 0) {
    await fs.rm(file, { force: true });
    return;
  }
  await mkdirRecursive(stateDir, 0o700);
  await writeFileAtomic(file, `${JSON.stringify({ version: 1, files }, null, 2)}\n`, { mode: 0o600 });
}

/**
 * The current content of `file` when it exists and is not what install last wrote there (edited by hand, or
 * written by something else); undefined when it is missing or unchanged since.
 */
export async function changedSinceInstall(file: string, record: Record<string, string>): Promise<Buffer | undefined> {
  let current: Buffer;
  try {
    current = await fs.readFile(file);
  } catch {
    return undefined;
  }
  return record[file] === contentHash(current) ? undefined : current;
}

/** Copies `content` (of `file`) to <stateDir>/install-backups/<name>.<time> (0600: units can hold secrets); returns its path. */
export async function keepInstallCopy(stateDir: string, file: string, content: Buffer, now: number): Promise<string> {
  const dir = path.join(stateDir, INSTALL_COPIES_DIR);
  await mkdirRecursive(dir, 0o700);
  const stamp = fileStamp(now);
  // Bounded: a name taken by an earlier copy in the same millisecond gets a suffix.
  for (let i = 0; i < 100; i++) {
    const copy = path.join(dir, `${path.basename(file)}.${stamp}${i === 0 ? '' : `.${i}`}`);
    let handle;
    try {
      handle = await fs.open(copy, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    try {
      // Synced before the original is replaced: the evidence must not be the part a power cut loses.
      await handle.writeFile(content);
      await handle.sync();
    } catch (err) {
      await handle.close();
      await fs.rm(copy, { force: true });
      throw err;
    }
    await handle.close();
    return copy;
  }
  throw new Error(`could not keep a copy of ${file} in ${dir}: too many copies with the same time`);
}

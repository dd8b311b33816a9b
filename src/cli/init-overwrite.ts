// Why this exists: `init --force` over a person's clawback.yaml lost their edits (no copy) and replaced a symlinked one with a regular file.
import type { Clock } from '../platform/clock.js';
import { keepEvidence, readCurrent, replaceFile } from '../doctor/safe-user-write.js';

/** Where the new file is, and where the one it replaced was kept (when there was one). */
export interface InitWritten {
  path: string;
  backup?: string;
}

/**
 * Writes the new clawback.yaml at `out`. A file there already (only with --force) is first kept beside its real path
 * as `<file>.before-init-<time>` (mode and owner like it), and the new text goes into the link's target with the old
 * file's mode and owner: a symlinked config stays a link.
 */
export async function writeInitFile(out: string, text: string, clock: Pick<Clock, 'now'>): Promise<InitWritten> {
  const current = await readCurrent(out);
  if (current.notAFile !== undefined) throw new Error(`${out} is ${current.notAFile}, not a config file; nothing written`);
  if (current.content === undefined) {
    await replaceFile(out, Buffer.from(text), 0o600);
    return { path: out };
  }
  const backup = await keepEvidence(current.realPath, current.content, { mode: current.mode, owner: current.owner }, clock, 'before-init');
  await replaceFile(current.realPath, Buffer.from(text), current.mode, current.owner);
  return { path: out, backup };
}

// A reload must not act on a config file caught mid-write (a deploy's truncate, then write): read it once it is quiet.
import { stat } from 'node:fs/promises';
import type { Clock } from '../platform/clock.js';
import { ConfigError } from './errors.js';

/** A file unchanged for this long is taken as written in full (a write in several steps has its steps closer than this). */
export const CONFIG_SETTLE_MS = 500;
/** A file that keeps changing for this long is refused: nothing is applied. */
export const CONFIG_SETTLE_LIMIT_MS = 10_000;

/** What identifies one version of the file: the inode (a rename-replace, a re-pointed symlink), size and times. */
async function markOf(file: string): Promise<{ mark: string; mtimeMs: number } | null> {
  try {
    const st = await stat(file);
    return { mark: `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`, mtimeMs: st.mtimeMs };
  } catch {
    return null; // the load says why it cannot be read
  }
}

/** Pure: how long to wait before reading a file last changed at mtimeMs (0: read now). A future time (a skewed clock) is not waited for. */
export function settleWait(mtimeMs: number, now: number, settleMs: number = CONFIG_SETTLE_MS): number {
  const age = now - mtimeMs;
  return age >= 0 && age < settleMs ? Math.ceil(settleMs - age) : 0;
}

export interface SettleOptions {
  settleMs?: number;
  limitMs?: number;
}

/**
 * load() once the file has not changed for settleMs, and again when it changed while load() ran: what comes back was
 * read from one whole version of the file. A file still changing after limitMs is a ConfigError (nothing applied).
 */
export async function loadSettled<T>(file: string, clock: Clock, load: () => Promise<T>, opts: SettleOptions = {}): Promise<T> {
  const settleMs = opts.settleMs ?? CONFIG_SETTLE_MS;
  const limitMs = opts.limitMs ?? CONFIG_SETTLE_LIMIT_MS;
  const deadline = clock.monotonic() + limitMs;
  for (;;) {
    const before = await markOf(file);
    const wait = before ? settleWait(before.mtimeMs, clock.now(), settleMs) : 0;
    if (wait === 0) {
      const value = await load();
      if ((await markOf(file))?.mark === before?.mark) return value;
    }
    const left = deadline - clock.monotonic();
    if (left <= 0) {
      throw new ConfigError(file, [
        { path: '(file)', message: `was still being written after ${limitMs / 1000} s (it changed again within ${settleMs} ms each time it was read): expected a file that stays put (write it in full, or to a temporary file renamed into place)` },
      ]);
    }
    await clock.sleep(Math.min(Math.max(wait, 50), left));
  }
}

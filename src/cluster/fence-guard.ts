// The self-fence a paused daemon cannot do: a tiny process per singleton instance that SIGKILLs its group at the deadline.
// Usage: fence-guard DEADLINE_FILE PGID. The daemon rewrites the file on every lease renewal; the guard ends with the group.
import { readFileSync } from 'node:fs';
import { outsideGroup } from '../platform/escaped-descendants.js';

const [file, pgidText] = process.argv.slice(2);
const pgid = Number(pgidText);
if (!file || !Number.isInteger(pgid) || pgid <= 1) {
  process.stderr.write('usage: fence-guard DEADLINE_FILE PGID\n');
  process.exit(2);
}
const CHECK_EVERY_MS = 50;

/** System-wide monotonic milliseconds (CLOCK_MONOTONIC: the same in every process of this host). */
function monoNow(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/** The kill deadline: both clocks are checked, whichever passes first kills (a missing or bad file kills too). */
function deadline(): { mono: number; wall: number } {
  try {
    const d = JSON.parse(readFileSync(file!, 'utf8')) as { killAtMono?: unknown; killAtWall?: unknown };
    if (typeof d.killAtMono === 'number' && typeof d.killAtWall === 'number') return { mono: d.killAtMono, wall: d.killAtWall };
  } catch {
    // fall through: no readable deadline means no proof the lease is still ours
  }
  return { mono: 0, wall: 0 };
}

function groupAlive(): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function check(): void {
  if (!groupAlive()) process.exit(0);
  const d = deadline();
  if (monoNow() < d.mono && Date.now() < d.wall) return;
  // The leader's descendants that left the group (a worker in its own session), found before the kill: they would
  // otherwise go on answering after the fence, next to the new active member's.
  const escaped = outsideGroup(pgid);
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
  let outside = 0;
  for (const { pid } of escaped) {
    try {
      process.kill(pid, 'SIGKILL');
      outside++;
    } catch {
      // gone
    }
  }
  process.stderr.write(`fence-guard: lease deadline passed; killed process group ${pgid}${outside ? ` and ${outside} descendant(s) outside it` : ''}\n`);
  process.exit(0);
}

check();
setInterval(check, CHECK_EVERY_MS);

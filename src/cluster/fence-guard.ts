// The self-fence a paused daemon cannot do: a tiny process per singleton instance that SIGKILLs its group at the deadline.
// Usage: fence-guard DEADLINE_FILE PGID. The daemon rewrites the file on every lease renewal; the guard ends with the group.
import { readFileSync } from 'node:fs';
import { uptime } from 'node:os';
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

/** Milliseconds since boot, counting the time the machine slept (CLOCK_BOOTTIME), which a step of the wall clock leaves alone. */
function bootNow(): number {
  return uptime() * 1000;
}

/**
 * The kill deadline on two clocks, whichever passes first kills (a missing or bad file kills too): the monotonic one,
 * and one that counts a sleep of the machine (during which etcd let the lease expire). That second clock was the wall
 * clock: NTP stepping it forward by more than the lease's margin killed a healthy, leading instance. The boot clock
 * counts the sleep and not the step; a file without it (an earlier daemon's) still has the wall deadline.
 */
function deadline(): { mono: number; boot: number | null; wall: number } {
  try {
    const d = JSON.parse(readFileSync(file!, 'utf8')) as { killAtMono?: unknown; killAtWall?: unknown; killAtBoot?: unknown };
    if (typeof d.killAtMono === 'number' && typeof d.killAtWall === 'number') return { mono: d.killAtMono, boot: typeof d.killAtBoot === 'number' ? d.killAtBoot : null, wall: d.killAtWall };
  } catch {
    // fall through: no readable deadline means no proof the lease is still ours
  }
  return { mono: 0, boot: null, wall: 0 };
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
  if (monoNow() < d.mono && (d.boot !== null ? bootNow() < d.boot : Date.now() < d.wall)) return;
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

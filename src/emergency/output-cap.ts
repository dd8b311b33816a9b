// An agent's terminal output is kept bounded, in memory and on disk: an agent that prints without end (a log
// dumped in a loop) must not fill the state dir's disk or the daemon's memory. The tail is what a transcript needs.
import { promises as fs } from 'node:fs';

/** Bytes (or characters, in memory) of output kept: the last ones. */
export const OUTPUT_CAP = 2_000_000;
export const OUTPUT_CUT_MARKER = '\n[clawback] … earlier output cut (the transcript keeps the last part) …\n';

/**
 * The text from the first line start on: a cut at a byte count can go through a secret (its tail, without the
 * `sk-...` or `token=` before it, is no longer recognised by the redactor) or a UTF-8 character, so the partial
 * first line goes too. A tail with no line break at all is one partial line: nothing of it is kept.
 */
export function fromLineStart(text: string): string {
  const nl = text.indexOf('\n');
  return nl < 0 ? '' : text.slice(nl + 1);
}

async function tailBytes(file: string, cap: number): Promise<{ size: number; tail: Buffer } | undefined> {
  const h = await fs.open(file, 'r').catch(() => undefined);
  if (!h) return undefined;
  try {
    const { size } = await h.stat();
    const len = Math.min(size, cap);
    const tail = Buffer.alloc(len);
    await h.read(tail, 0, len, size - len);
    return { size, tail };
  } finally {
    await h.close();
  }
}

/**
 * The files a tmux pane's output is piped into, as generations: once the current one passes the cap, the caller
 * points the pipe at a new file (tmux closes the old pipe, whose `cat` still writes what it had), and the
 * generation before the previous one is removed. Nothing is cut from a file being written, so the newest output,
 * the agent's last words, is never lost; on disk there are at most two generations of about the cap each.
 */
export class PaneOutputFiles {
  /** The generation before the current one, once there is one (its `cat` may still be writing what it had). */
  private previous: string | undefined;
  private currentFile: string;
  private generation = 0;
  private cut = false;

  constructor(
    private readonly base: string,
    private readonly cap = OUTPUT_CAP,
  ) {
    this.currentFile = base;
  }

  get current(): string {
    return this.currentFile;
  }

  /** At each poll: a new generation when the current one is full (`repipe` points the pane at it). */
  async rotateIfFull(repipe: (file: string) => Promise<void>): Promise<boolean> {
    const st = await fs.stat(this.currentFile).catch(() => undefined);
    if (!st || st.size <= this.cap) return false;
    const next = `${this.base}.${++this.generation}`;
    await fs.writeFile(next, '', { mode: 0o600 });
    try {
      await repipe(next);
    } catch (e) {
      // The pane ended meanwhile (or tmux failed): the output stays where it was; no stray empty generation.
      this.generation--;
      await fs.rm(next, { force: true });
      throw e;
    }
    // Two back: its `cat` ended when the previous generation began.
    if (this.previous !== undefined) {
      await fs.rm(this.previous, { force: true });
      this.cut = true;
    }
    this.previous = this.currentFile;
    this.currentFile = next;
    return true;
  }

  /** The last `cap` bytes across the kept generations, behind the marker when anything earlier was dropped. */
  async readTail(): Promise<string> {
    const parts: Buffer[] = [];
    let need = this.cap;
    let more = this.cut;
    for (const f of [this.currentFile, ...(this.previous !== undefined ? [this.previous] : [])]) {
      if (need <= 0) {
        more = true;
        break;
      }
      const t = await tailBytes(f, need);
      if (!t) continue;
      parts.unshift(t.tail);
      need -= t.tail.length;
      if (t.size > t.tail.length) more = true;
    }
    const text = Buffer.concat(parts).toString('utf8');
    return more ? `${OUTPUT_CUT_MARKER}${fromLineStart(text)}` : text;
  }

  /** Unredacted terminal bytes: removed once the redacted transcript is written. */
  async removeAll(): Promise<void> {
    // Every generation ever named, not only the two kept: none may outlive the run, whatever a rotation left.
    for (let g = 0; g <= this.generation; g++) await fs.rm(g === 0 ? this.base : `${this.base}.${g}`, { force: true });
  }
}

// An agent's terminal output is kept bounded, in memory and on disk: an agent that prints without end (a log
// dumped in a loop) must not fill the state dir's disk or the daemon's memory. The tail is what a transcript needs.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** A pane output generation's file: the base for the first, `base.N` after. */
export function generationFile(base: string, generation: number): string {
  return generation === 0 ? base : `${base}.${generation}`;
}

/** What the pane writer (pane-writer.ts) says at its end: bytes read, its last generation, bytes it could not write. */
export function paneEndFile(base: string): string {
  return `${base}.end`;
}

/** The marker put before a tail, saying how much was cut when that is known. */
export function cutMarker(count?: number, unit: 'bytes' | 'characters' = 'bytes'): string {
  return count === undefined || count <= 0 ? OUTPUT_CUT_MARKER : OUTPUT_CUT_MARKER.replace('earlier output cut', `${count} ${unit} of earlier output cut`);
}

/** The compiled writer a pane's output is piped into (dist/, as the log redactor). */
export const PANE_WRITER = fileURLToPath(new URL('../../dist/emergency/pane-writer.js', import.meta.url));

interface PaneEnd {
  total: number;
  generation: number;
  unwritten: number;
  error?: string;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The files a tmux pane's output is piped into, as generations written by the pane writer (pane-writer.ts), which
 * rotates them itself at the cap: at most two generations of the cap each on disk, whatever the rate, and the
 * newest output, the agent's last words, never lost.
 */
export class PaneOutputFiles {
  constructor(
    private readonly base: string,
    private readonly cap = OUTPUT_CAP,
    private readonly nodePath = process.execPath,
  ) {}

  /** The pipe-pane shell command: the writer, with the base file and the cap. */
  pipeCommand(): string {
    return [this.nodePath, PANE_WRITER, this.base, String(this.cap)].map(shellQuote).join(' ') + ' 2>/dev/null';
  }

  /** What the writer said at its end, once it has ended. */
  async ended(): Promise<PaneEnd | undefined> {
    try {
      const e = JSON.parse(await fs.readFile(paneEndFile(this.base), 'utf8')) as PaneEnd;
      return Number.isInteger(e.total) && Number.isInteger(e.generation) ? e : undefined;
    } catch {
      return undefined;
    }
  }

  /** The generations on disk, oldest first. */
  private async generations(): Promise<number[]> {
    const dir = path.dirname(this.base);
    const name = path.basename(this.base);
    const out: number[] = [];
    for (const n of await fs.readdir(dir).catch(() => [] as string[])) {
      if (n === name) out.push(0);
      else if (n.startsWith(`${name}.`) && /^\d+$/.test(n.slice(name.length + 1))) out.push(Number(n.slice(name.length + 1)));
    }
    return out.sort((a, b) => a - b);
  }

  /**
   * The last `cap` bytes across the kept generations, behind a marker saying how many bytes were cut when anything
   * earlier was dropped, and a line saying what the writer could not write (a full disk).
   */
  async readTail(): Promise<string> {
    const end = await this.ended();
    const gens = (await this.generations()).slice(-2).reverse();
    const parts: Buffer[] = [];
    let need = this.cap;
    // A generation before the oldest kept one was removed: output was cut.
    let more = gens.length > 0 && Math.min(...gens) > 0;
    for (const g of gens) {
      if (need <= 0) {
        more = true;
        break;
      }
      const t = await tailBytes(generationFile(this.base, g), need);
      if (!t) continue;
      parts.unshift(t.tail);
      need -= t.tail.length;
      if (t.size > t.tail.length) more = true;
    }
    const buf = Buffer.concat(parts);
    const unwritten = end && end.unwritten > 0 ? `\n[clawback] ${end.unwritten} bytes of output could not be written (${end.error ?? 'write failed'})\n` : '';
    if (!more) return `${buf.toString('utf8')}${unwritten}`;
    // From the first line start, as fromLineStart; counted in bytes, so the marker says how many were cut.
    const nl = buf.indexOf(10);
    const kept = nl < 0 ? Buffer.alloc(0) : buf.subarray(nl + 1);
    const cut = end ? end.total - end.unwritten - kept.length : undefined;
    return `${cutMarker(cut)}${kept.toString('utf8')}${unwritten}`;
  }

  /** Unredacted terminal bytes: removed once the redacted transcript is written. */
  async removeAll(): Promise<void> {
    for (const g of await this.generations()) await fs.rm(generationFile(this.base, g), { force: true });
    await fs.rm(paneEndFile(this.base), { force: true });
    await fs.rm(`${paneEndFile(this.base)}.tmp`, { force: true });
  }
}

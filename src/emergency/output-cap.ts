// An agent's terminal output is kept bounded, in memory and on disk: an agent that prints without end (a log
// dumped in a loop) must not fill the state dir's disk or the daemon's memory. The tail is what a transcript needs.
import { promises as fs } from 'node:fs';

/** Bytes (or characters, in memory) of output kept: the last ones. */
export const OUTPUT_CAP = 2_000_000;
export const OUTPUT_CUT_MARKER = '\n[clawback] … earlier output cut (the transcript keeps the last part) …\n';

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
 * While a writer appends (O_APPEND, as `cat >>` does): once the file is past twice the cap, it is cut back to its
 * last `cap` bytes behind a marker. Bytes appended between the read and the cut are lost; the marker says so.
 */
export async function capAppendedFile(file: string, cap = OUTPUT_CAP): Promise<boolean> {
  const st = await fs.stat(file).catch(() => undefined);
  if (!st || st.size <= 2 * cap) return false;
  const t = await tailBytes(file, cap);
  if (!t) return false;
  await fs.truncate(file, 0);
  await fs.appendFile(file, Buffer.concat([Buffer.from(OUTPUT_CUT_MARKER), t.tail]));
  return true;
}

/** The file's text, at most its last `cap` bytes (behind the marker when cut). Empty when it cannot be read. */
export async function readOutputTail(file: string, cap = OUTPUT_CAP): Promise<string> {
  const t = await tailBytes(file, cap);
  if (!t) return '';
  const text = t.tail.toString('utf8');
  return t.size > cap ? `${OUTPUT_CUT_MARKER}${text}` : text;
}

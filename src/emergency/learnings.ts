// What fixed earlier incidents of a service, verified by Clawback: a short bounded record fed to later prompts.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../platform/atomic-write.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

export interface Learning {
  time: number;
  incidentId: string;
  adapter: string;
  reason: string;
  summary: string;
  diff: string[];
}

export function learningsFile(stateDir: string, service: string): string {
  return path.join(stateDir, 'learnings', `${service}.jsonl`);
}

export async function readLearnings(stateDir: string, service: string): Promise<Learning[]> {
  let text: string;
  try {
    text = await fs.readFile(learningsFile(stateDir, service), 'utf8');
  } catch {
    return [];
  }
  const out: Learning[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const l = JSON.parse(line) as Learning;
      if (typeof l.time === 'number' && typeof l.summary === 'string') out.push({ ...l, diff: Array.isArray(l.diff) ? l.diff : [] });
    } catch {
      // a torn line: skip it
    }
  }
  return out;
}

/** Appends one learning and keeps only the newest `keep` (rewritten atomically). */
export async function recordLearning(stateDir: string, service: string, learning: Learning, keep: number): Promise<void> {
  if (keep <= 0) return;
  const file = learningsFile(stateDir, service);
  await mkdirRecursive(path.dirname(file), 0o700);
  const all = [...(await readLearnings(stateDir, service)), learning].slice(-keep);
  await writeFileAtomic(file, all.map((l) => JSON.stringify(l)).join('\n') + '\n', { mode: 0o600 });
}

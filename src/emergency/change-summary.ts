// What an agent run left changed, said without values: safe for the journal and alerts when files are handed to a person.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { detectFormat, parseConfigText } from '../platform/config-file.js';
import { describeDiff, semanticDiff } from '../doctor/semantic-diff.js';
import { readRegularFile } from '../platform/read-regular.js';
import type { FileChange, FileSnapshot } from './file-snapshot.js';

const PARSEABLE = new Set(['.json', '.json5', '.yaml', '.yml']);

function parsed(file: string, bytes: Buffer | undefined): unknown {
  if (!bytes || !PARSEABLE.has(path.extname(file).toLowerCase())) return undefined;
  const r = parseConfigText(bytes.toString('utf8'), detectFormat(file));
  return r.ok ? r.value : undefined;
}

/**
 * One line per changed file: the settings added/removed/changed for a config file that parses before and after,
 * otherwise the line counts. Never a value.
 */
export async function summarizeChanges(snap: FileSnapshot | undefined, changes: FileChange[]): Promise<string[]> {
  const out: string[] = [];
  for (const c of changes) {
    const entry = snap?.entries.find((e) => e.path === c.path);
    const was = entry?.copy && snap ? await fs.readFile(path.join(snap.dir, entry.copy)).catch(() => undefined) : undefined;
    const now = await readRegularFile(c.path).catch(() => undefined);
    const a = parsed(c.path, was);
    const b = parsed(c.path, now);
    const lines = `+${c.added} -${c.removed} lines`;
    out.push(a !== undefined && b !== undefined ? `${c.path}: ${c.kind}, ${describeDiff(semanticDiff(a, b))} (${lines})` : `${c.path}: ${c.kind} (${lines})`);
  }
  return out;
}

// The gateway's own restore of its config (from .bak, from .last-good, or a stripped prefix): the person's file is set aside as `.clobbered.<ts>`, which is seen here and said.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { describeClobberedSource, type ClobberedSource } from './clobbered-source.js';

export const CONFIG_CLOBBERED = 'config-clobbered';

export interface ClobberedCopy {
  path: string;
  mtimeMs: number;
}

/** The `<config>.clobbered.*` files beside the config, oldest first; none when the folder cannot be read. */
export async function listClobbered(configPath: string): Promise<ClobberedCopy[]> {
  const dir = path.dirname(configPath);
  const prefix = `${path.basename(configPath)}.clobbered.`;
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return [];
  }
  const found: ClobberedCopy[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const file = path.join(dir, name);
    const st = await fsp.stat(file).catch(() => undefined);
    if (st?.isFile()) found.push({ path: file, mtimeMs: st.mtimeMs });
  }
  return found.sort((a, b) => a.mtimeMs - b.mtimeMs);
}

/**
 * Pure: the copies not said yet. Those already there when the daemon started (sinceMs) are old news, unless newer than
 * that start (the gateway's first start under this daemon restored it).
 */
export function newClobbered(copies: readonly ClobberedCopy[], known: ReadonlySet<string> | undefined, sinceMs: number): ClobberedCopy[] {
  return copies.filter((c) => (known ? !known.has(c.path) : c.mtimeMs >= sinceMs));
}

export function describeClobbered(name: string, configPath: string, copy: string, source: ClobberedSource): string {
  const what = describeClobberedSource(configPath, source);
  if (source.kind === 'prefix') return `${name}: ${what}. The original is kept at ${copy}`;
  return (
    `${name}: ${what}: the edit is no longer in effect. The rejected version is kept at ${copy}. ` +
    `To keep an edit, make it with \`openclaw config set\` (or keep the \`meta\` block when editing by hand); Clawback does not undo the gateway's restore`
  );
}

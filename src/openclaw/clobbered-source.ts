// Which way the gateway set a config aside as `.clobbered.*` (openclaw 2026.9.6 has three: a suspicious read restored
// from `.bak`, an invalid config restored from `.last-good` by its doctor, a non-JSON prefix stripped), read from the bytes.
import path from 'node:path';
import { parseConfigText, readServiceConfigFile } from '../platform/config-file.js';

/** bak / last-good: the config holds that copy's bytes (or there is no .last-good); prefix: the kept copy had text before its JSON; unknown: none told. */
export type ClobberedSource = { kind: 'bak' | 'last-good'; file: string } | { kind: 'prefix' } | { kind: 'unknown' };

const readText = (file: string): Promise<string | undefined> =>
  readServiceConfigFile(file).then((b) => b.toString('utf8'), () => undefined);

/** io.factory's findJsonRootSuffix: text before the first line opening with `{`/`[`, and the rest parses as JSON5. */
export function hasStrippablePrefix(text: string): boolean {
  if (/^\s*[{[]/.test(text)) return false;
  const m = /^[ \t]*[{[]/m.exec(text);
  return m !== null && parseConfigText(text.slice(m.index), 'json5').ok;
}

/** Pure: the source, from the config's bytes now, the kept copy's, and those of `.bak` and `.last-good` (undefined: absent). */
export function clobberedSourceOf(
  configPath: string,
  texts: { config: string | undefined; kept: string | undefined; bak: string | undefined; lastGood: string | undefined },
): ClobberedSource {
  const { config, kept, bak, lastGood } = texts;
  // Tried first by the gateway (and by `openclaw doctor --fix`, which may write the file again right after): told by the
  // kept copy alone, so later writes do not hide it.
  if (kept !== undefined && hasStrippablePrefix(kept)) return { kind: 'prefix' };
  if (config !== undefined && lastGood !== undefined && config === lastGood) return { kind: 'last-good', file: `${configPath}.last-good` };
  if (config !== undefined && bak !== undefined && config === bak) return { kind: 'bak', file: `${configPath}.bak` };
  // Without a `.last-good` file the gateway has nothing else to restore from.
  if (lastGood === undefined) return { kind: 'bak', file: `${configPath}.bak` };
  return { kind: 'unknown' };
}

/** Reads the files and says which source; unknown when they no longer tell (the config was written again since). */
export async function readClobberedSource(configPath: string, keptPath: string): Promise<ClobberedSource> {
  const [config, kept, bak, lastGood] = await Promise.all([
    readText(configPath),
    readText(keptPath),
    readText(`${configPath}.bak`),
    readText(`${configPath}.last-good`),
  ]);
  return clobberedSourceOf(configPath, { config, kept, bak, lastGood });
}

/** The clause of the warning that says what the gateway did, true to the source. */
export function describeClobberedSource(configPath: string, source: ClobberedSource): string {
  const base = path.basename(configPath);
  switch (source.kind) {
    case 'bak':
      return `the gateway rejected ${configPath} as clobbered (an edit without its \`meta\` block, its gateway.mode, or much smaller than the last good one) and restored it from its own backup (${path.basename(source.file)})`;
    case 'last-good':
      return `the gateway (or its doctor) found ${configPath} invalid and restored it from its last-known-good copy (${path.basename(source.file)})`;
    case 'prefix':
      return `the gateway found text before the JSON in ${configPath} and removed it (no backup was restored; the rest of the file is as it was)`;
    case 'unknown':
      return `the gateway set ${configPath} aside as clobbered and replaced it (from ${base}.bak or ${base}.last-good; the file has changed since, so which one is not known)`;
  }
}

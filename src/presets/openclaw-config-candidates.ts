// Where the gateway looks for its config when its CLI cannot say: its own candidate list, legacy names included.
import { existsSync } from 'node:fs';
import path from 'node:path';

/** State dirs and file names older installs used that openclaw 2026.9.6 still reads (src/config/paths.ts). */
const STATE_DIRNAMES = ['.openclaw', '.clawdbot'];
const CONFIG_FILENAMES = ['openclaw.json', 'clawdbot.json'];

/**
 * resolveDefaultConfigCandidates (openclaw 2026.9.6), in order: $OPENCLAW_STATE_DIR/{openclaw,clawdbot}.json, then
 * ~/.openclaw/{openclaw,clawdbot}.json, ~/.clawdbot/{openclaw,clawdbot}.json. `stateDir` is OPENCLAW_STATE_DIR resolved.
 */
export function openclawConfigCandidates(ocHome: string, stateDir?: string): string[] {
  const dirs = [...(stateDir ? [stateDir] : []), ...STATE_DIRNAMES.map((d) => path.join(ocHome, d))];
  return dirs.flatMap((d) => CONFIG_FILENAMES.map((f) => path.join(d, f)));
}

/** The first candidate that exists, as the gateway picks it (resolveConfigPathCandidate); undefined when none does. */
export function existingOpenclawConfig(ocHome: string, stateDir?: string, exists: (p: string) => boolean = existsSync): string | undefined {
  return openclawConfigCandidates(ocHome, stateDir).find((p) => exists(p));
}

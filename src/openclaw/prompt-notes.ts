// The OpenClaw facts a Level 3 agent needs (openclawLayout's notes), read from the service entry that runs the gateway.
import os from 'node:os';
import type { ServiceConfig } from '../config/schema.js';
import { openclawLayout } from '../presets/openclaw-layout.js';
import { openclawHome } from '../presets/openclaw-detect.js';
import { resolveOpenclawTmpDir } from '../presets/openclaw-tmp-dir.js';

/** Notes for the prompt when the service is an OpenClaw gateway (it has an `openclaw` block); none otherwise. */
export function openclawPromptNotes(service: ServiceConfig, now: Date, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!service.openclaw) return [];
  const merged = { ...env, ...service.env };
  const home = openclawHome(merged, merged.HOME?.trim() || os.homedir());
  const stateDir = merged.OPENCLAW_STATE_DIR?.trim();
  const notes = openclawLayout({
    home,
    openclaw: service.openclaw.cli,
    now,
    // Its JSON log is in /tmp/openclaw only when that is safe for its user; else in its TMPDIR's openclaw-<uid>.
    tmpDir: resolveOpenclawTmpDir({ ...(merged.TMPDIR?.trim() ? { tmpdir: merged.TMPDIR.trim() } : {}) }),
    ...(service.configFile?.path ? { configPath: service.configFile.path } : {}),
    ...(stateDir ? { stateDir } : {}),
    ...(service.port !== undefined ? { port: service.port } : {}),
  }).notes;
  // Under OpenClaw's own service manager (mode b) the restart goes through the commands Clawback was given.
  if (service.external) notes.push(`The gateway runs under its own service manager; Clawback restarts it with \`${service.external.restartCommand.join(' ')}\`. Do not run it yourself.`);
  return notes;
}

// A protected setting removed from the config by hand (gateway.auth.token: the gateway then runs without it) is said
// out loud: no repair re-adds what a person removed, and without this nothing reported it.
import type { ServiceConfig } from '../config/schema.js';
import { detectFormat, parseConfigText, readServiceConfigFile } from '../platform/config-file.js';
import { resolvedConfig } from './config-includes.js';
import { protectedChanges, protectedPatterns } from './protected-settings.js';
import type { SnapshotStore } from './snapshot-store.js';

export const PROTECTED_REMOVED = 'protected-removed';

/** The config as the service reads it (`$include`s resolved) from `text`; undefined when it does not parse. */
async function resolvedFrom(service: ServiceConfig, text: string): Promise<unknown> {
  const spec = service.configFile!;
  const format = detectFormat(spec.path, spec.format);
  const parsed = parseConfigText(text, format);
  if (!parsed.ok) return undefined;
  return (await resolvedConfig(spec.path, parsed.value, format)).value;
}

/** The live config, resolved; undefined when it is missing, unreadable or does not parse (that is the doctor's business). */
export async function readResolvedConfig(service: ServiceConfig): Promise<unknown> {
  if (!service.configFile) return undefined;
  const text = await readServiceConfigFile(service.configFile.path).then((b) => b.toString('utf8')).catch(() => undefined);
  return text === undefined ? undefined : resolvedFrom(service, text);
}

/** The newest copy seen healthy, resolved against today's included files (what the service ran with before a restart). */
export async function lastKnownGoodResolved(service: ServiceConfig, snapshots: SnapshotStore): Promise<unknown> {
  if (!service.configFile) return undefined;
  const entry = await snapshots.latest('last-known-good').catch(() => undefined);
  if (!entry) return undefined;
  const text = await snapshots.read(entry).then((b) => b.toString('utf8')).catch(() => undefined);
  return text === undefined ? undefined : resolvedFrom(service, text);
}

/** Pure: the protected paths `before` has and `after` lacks (a move to another protected path loses nothing). */
export function removedProtected(service: ServiceConfig, before: unknown, after: unknown): string[] {
  return protectedChanges(before, after, protectedPatterns(service))
    .filter((c) => c.change === 'removed')
    .map((c) => c.path);
}

export function describeProtectedRemoved(service: ServiceConfig, paths: readonly string[]): string {
  const shown = `${paths.slice(0, 10).join(', ')}${paths.length > 10 ? ` and ${paths.length - 10} more` : ''}`;
  return (
    `${service.name}: protected setting(s) ${shown} removed from its config (${service.configFile?.path ?? '?'}); ` +
    `no repair puts a removed setting back. Without its auth token or password the service may accept requests from anyone ` +
    `who reaches it, and without a credential a channel or model stops working. Set it again, or ignore this if you removed it on purpose`
  );
}

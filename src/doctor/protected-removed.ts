// A protected setting removed from the config by hand (gateway.auth.token: the gateway then runs without it) is said
// out loud: no repair re-adds what a person removed, and without this nothing reported it.
import type { ServiceConfig } from '../config/schema.js';
import { detectFormat, parseConfigText, readServiceConfigFile } from '../platform/config-file.js';
import type { Clock } from '../platform/clock.js';
import { directlyIncludedFiles, resolvedConfig, resolveIncludes } from '../platform/config-includes.js';
import { includedStore } from './included-snapshots.js';
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

/** OpenClaw resolves includes up to 10 levels deep. */
const MAX_INCLUDE_DEPTH = 10;

/**
 * The files a config seen healthy includes, each as its newest copy seen healthy (today's file where none was kept), so
 * a token removed from an included file while the daemon was down is measured against what the service ran with.
 */
async function includedAsSeenHealthy(service: ServiceConfig, snapshots: SnapshotStore, clock: Clock, value: unknown): Promise<Map<string, unknown>> {
  const configPath = service.configFile!.path;
  const out = new Map<string, unknown>();
  const valueOf = (b: Buffer | undefined): unknown => {
    const p = b === undefined ? undefined : parseConfigText(b.toString('utf8'), 'json5');
    return p?.ok ? p.value : undefined;
  };
  let level: Array<{ from: string; value: unknown }> = [{ from: configPath, value }];
  for (let depth = 0; depth < MAX_INCLUDE_DEPTH && level.length > 0; depth++) {
    const next: typeof level = [];
    for (const l of level) {
      for (const file of directlyIncludedFiles(l.from, l.value)) {
        if (out.has(file)) continue;
        const store = includedStore({ snapshots, service, clock }, file);
        const entry = await store.latest('last-known-good').catch(() => undefined);
        const copy = entry ? valueOf(await store.read(entry).catch(() => undefined)) : undefined;
        const v = copy ?? valueOf(await readServiceConfigFile(file).catch(() => undefined));
        if (v === undefined) continue;
        out.set(file, v);
        next.push({ from: file, value: v });
      }
    }
    level = next;
  }
  return out;
}

/**
 * The newest copy seen healthy, resolved with the included files' newest copies seen healthy (what the service ran with
 * before a restart of the daemon; today's included file where no copy of it was kept).
 */
export async function lastKnownGoodResolved(service: ServiceConfig, snapshots: SnapshotStore, clock: Clock): Promise<unknown> {
  const spec = service.configFile;
  if (!spec) return undefined;
  const entry = await snapshots.latest('last-known-good').catch(() => undefined);
  if (!entry) return undefined;
  const text = await snapshots.read(entry).then((b) => b.toString('utf8')).catch(() => undefined);
  if (text === undefined) return undefined;
  const format = detectFormat(spec.path, spec.format);
  if (format !== 'json' && format !== 'json5') return resolvedFrom(service, text);
  const parsed = parseConfigText(text, format);
  if (!parsed.ok) return undefined;
  return resolveIncludes(spec.path, parsed.value, await includedAsSeenHealthy(service, snapshots, clock, parsed.value));
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

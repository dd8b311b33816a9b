// Config follows the leader: the leader's last-known-good config goes to etcd; a member that wins writes it before starting.
import type { Etcd3 } from 'etcd3';
import type { ServiceConfig } from '../config/schema.js';
import type { Clock } from '../platform/clock.js';
import type { ClawbackEvent, EventBus } from '../observe/events.js';
import { detectFormat, parseConfigText, readServiceConfigFile, sha256 } from '../platform/config-file.js';
import { FileTooLargeError, NotRegularFileError } from '../platform/read-regular.js';
import { promises as fs } from 'node:fs';
import { configWriteBlock } from '../doctor/config-write-guard.js';
import { replaceFile } from '../doctor/safe-user-write.js';
import { carryOverText, protectedPatterns } from '../doctor/protected-settings.js';
import { snapshotStoreFor } from '../doctor/snapshot-store.js';
import type { ClusterConfig } from './cluster-schema.js';
import { clusterKeys } from './cluster-keys.js';

/** What etcd keeps per singleton service: the newest config seen healthy, by whom. */
export interface SharedConfig {
  member: string;
  savedAt: number;
  sha256: string;
  content: string;
}

export interface ConfigFollower {
  /** Before this member starts the service: write the newest good config from etcd (protected settings kept); nothing once `signal` aborted. */
  apply(signal?: AbortSignal): Promise<void>;
  /** Why the last apply did not take the config from etcd (for `clawback status`); null once it was taken or none was there. */
  skipped(): { at: number; message: string } | null;
  stop(): void;
}

export function configFollower(opts: { client: Etcd3; cluster: ClusterConfig; service: ServiceConfig; clock: Clock; emit(e: ClawbackEvent): void; bus: EventBus; stateDir?: string }): ConfigFollower {
  const { client, cluster, service, clock } = opts;
  const spec = service.configFile;
  if (!spec) return { apply: async () => undefined, skipped: () => null, stop: () => undefined };
  const key = clusterKeys(cluster.prefix).config(service.name);
  // Only in the journal, a skipped follow went unseen: kept for `clawback status` until an apply takes a config.
  let skipped: { at: number; message: string } | null = null;
  // The skip (or share refusal) last said, per action: the same cause at every win or snapshot is said once, not each time.
  const said = new Map<string, string>();
  const say = (severity: ClawbackEvent['severity'], message: string, details: Record<string, unknown>): void => {
    const action = String(details.action);
    if (action === 'cluster-follow-skipped') skipped = { at: clock.now(), message };
    if (action === 'cluster-follow-skipped' || action === 'cluster-share-skipped') {
      const cause = action === 'cluster-share-skipped' ? 'too large' : message;
      if (said.get(action) === cause) return;
      said.set(action, cause);
    }
    opts.emit({ type: 'config.snapshot', time: clock.now(), severity, service: service.name, message, details });
  };

  // A new last-known-good (seen healthy here, so this member runs it) is published for the others.
  const unsubscribe = opts.bus.subscribe((e) => {
    if (e.type !== 'config.snapshot' || e.service !== service.name || e.details?.kind !== 'last-known-good') return;
    void publish(String(e.details.sha256 ?? ''));
  });

  async function publish(sum: string): Promise<void> {
    try {
      const content = await readServiceConfigFile(spec!.path);
      if (sha256(content) !== sum) return; // changed again since the snapshot: the next snapshot publishes
      if (content.length > cluster.configMaxBytes) {
        say('warning', `${service.name}: config not shared through etcd: ${content.length} bytes > cluster.configMaxBytes ${cluster.configMaxBytes}`, { action: 'cluster-share-skipped', size: content.length });
        return;
      }
      const body: SharedConfig = { member: cluster.member, savedAt: clock.now(), sha256: sum, content: content.toString('utf8') };
      await client.put(key).value(JSON.stringify(body)).exec();
      said.delete('cluster-share-skipped');
    } catch {
      // etcd unreachable: the next snapshot tries again
    }
  }

  return {
    async apply(signal) {
      const raw = await client.get(key).string();
      skipped = null;
      if (!raw) return void said.delete('cluster-follow-skipped');
      // A value nobody can use (hand-edited, truncated, another version's) is said, not swallowed: the start goes on with this member's config.
      const shared = readShared(raw);
      if (typeof shared === 'string') {
        say('warning', `${service.name}: config not taken from etcd: the value at ${key} ${shared}; expected JSON {member, savedAt, sha256, content} written by a member; this member starts with its own config`, { action: 'cluster-follow-skipped', key, reason: shared });
        return;
      }
      let local: Buffer | null = null;
      try {
        local = await readServiceConfigFile(spec.path);
      } catch (err) {
        // A FIFO, a device or a 2 GiB file in the config's place is nobody's config to replace unseen: left for a human.
        if (err instanceof NotRegularFileError || err instanceof FileTooLargeError) {
          say('warning', `${service.name}: config not taken from etcd: ${err.message}`, { action: 'cluster-follow-skipped', path: spec.path });
          return;
        }
        local = null;
      }
      if (local && sha256(local) === shared.sha256) return void said.delete('cluster-follow-skipped');
      const format = detectFormat(spec.path, spec.format);
      const incoming = parseConfigText(shared.content, format);
      if (!incoming.ok) {
        say('warning', `${service.name}: config not taken from etcd: the content at ${key} (from ${shared.member}) is not valid ${format}: ${incoming.error}; this member starts with its own config`, { action: 'cluster-follow-skipped', key, reason: incoming.error });
        return;
      }
      let text = shared.content;
      let carried: string[] = [];
      const patterns = protectedPatterns(service);
      if (local && patterns.length > 0) {
        const localText = local.toString('utf8');
        const mine = parseConfigText(localText, format);
        if (mine.ok) {
          const co = carryOverText(shared.content, incoming.value, mine.value, patterns, format, { sourceText: localText });
          carried = co.carried;
          text = co.text;
        }
      }
      // The doctor's rule for this file too: not one to write (read-only, a mount point, hard links, declared immutable).
      const blocked = await configWriteBlock(service);
      if (blocked) {
        say('warning', `${service.name}: config not taken from etcd: ${blocked}`, { action: 'cluster-follow-skipped', path: spec.path });
        return;
      }
      // Past the node's bound the service starts on its own config: a late write must not change it underneath.
      if (signal?.aborted) return;
      if (local && opts.stateDir) {
        await snapshotStoreFor(opts.stateDir, service, clock).save(local, { sourcePath: spec.path, reason: `before taking ${shared.member}'s config from etcd`, kind: 'pre-repair' });
      }
      // At the link's target (a symlinked config stays a link), with the file's owner and mode (the service's user reads it).
      const real = await fs.realpath(spec.path).catch(() => spec.path);
      const mode = await fs.stat(real).then((st) => st.mode & 0o7777, () => undefined);
      if (signal?.aborted) return;
      await replaceFile(real, Buffer.from(text, 'utf8'), mode);
      said.delete('cluster-follow-skipped');
      say('info', `${service.name}: took the newest good config from etcd (seen healthy on ${shared.member}, sha256 ${shared.sha256.slice(0, 12)})${carried.length > 0 ? `; kept this member's ${carried.join(', ')}` : ''}`, {
        action: 'cluster-config-followed',
        from: shared.member,
        sha256: shared.sha256,
        carried,
      });
    },
    skipped: () => skipped,
    stop: () => unsubscribe(),
  };
}

/** The shared record, or why it is not one (said with its key by the caller). */
function readShared(raw: string): SharedConfig | string {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    return `is not JSON (${(err as Error).message})`;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'is not a JSON object';
  const r = v as Record<string, unknown>;
  for (const field of ['member', 'sha256', 'content'] as const) {
    if (typeof r[field] !== 'string') return `has no string "${field}" (got ${r[field] === undefined ? 'none' : JSON.stringify(r[field]).slice(0, 40)})`;
  }
  return r as unknown as SharedConfig;
}

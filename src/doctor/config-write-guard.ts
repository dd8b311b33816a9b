// A config that is not Clawback's to write (Nix store, `chmod a-w`, OpenClaw's "externally managed" switch, a file a
// rename cannot replace faithfully) is only reported: a rewrite would fail half-way on a read-only file system or a
// bind-mounted file, quietly undo what the user locked, or split a hard link from its other names.
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import type { ServiceConfig } from '../config/schema.js';
import { serviceEnv } from '../config/service-env.js';
import { isMountPoint } from '../platform/mount-points.js';
import { hardLinkText } from '../platform/hard-links.js';

/** Variables by which the service itself declares its config immutable (OpenClaw: Nix mode, externally managed). */
const IMMUTABLE_CONFIG_ENV = ['OPENCLAW_NIX_MODE', 'OPENCLAW_CONFIG_READONLY'] as const;

/** Why the doctor must not write the service's config file, or undefined when it may. */
export async function configWriteBlock(service: ServiceConfig, parentEnv: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const spec = service.configFile;
  if (!spec) return undefined;
  const env = serviceEnv(service, parentEnv);
  const marker = IMMUTABLE_CONFIG_ENV.find((k) => env[k] === '1');
  if (marker) return `${marker}=1: the service treats ${spec.path} as immutable (managed by ${marker === 'OPENCLAW_NIX_MODE' ? 'Nix' : 'an external deployment system'}); change it at its source`;
  const real = await fs.realpath(spec.path).catch(() => undefined);
  const linked = real !== undefined && real !== path.resolve(spec.path) ? ` (a link to ${real})` : '';
  const st = real ? await fs.stat(real).catch(() => undefined) : undefined;
  if (st && (st.mode & 0o222) === 0) return `${spec.path}${linked} is read-only (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); change it at its source or make it writable`;
  const probe = real ?? path.dirname(path.resolve(spec.path));
  const denied = await fs.access(probe, constants.W_OK).then(
    () => undefined,
    (err: NodeJS.ErrnoException) => err.code,
  );
  if (denied === 'EROFS') return `${spec.path}${linked} is on a read-only file system (a Nix store or a read-only mount); change it at its source`;
  if (denied === 'EACCES' || denied === 'EPERM') return `${spec.path}${linked} is not writable by Clawback (${denied}); change it at its source or make it writable`;
  // The replacement is a temp file renamed over the config, the broken bytes kept beside it: its directory must take both.
  const dir = real ? path.dirname(real) : undefined;
  const dirDenied = dir ? await fs.access(dir, constants.W_OK).then(() => undefined, (err: NodeJS.ErrnoException) => err.code) : undefined;
  if (dirDenied === 'EROFS') return `${spec.path}${linked} is in a directory on a read-only file system (${dir}); change it at its source`;
  if (dirDenied === 'EACCES' || dirDenied === 'EPERM') return `${spec.path}${linked} is in a directory Clawback cannot write (${dir}: ${dirDenied}, read-only or immutable), where a repair writes its replacement and keeps the broken file; change it at its source or make the directory writable`;
  // A repair writes a temp file and renames it over the config: what the path IS must survive that.
  if (real && (await isMountPoint(real))) return `${spec.path}${linked} is a mount point (a file bind-mounted into place, e.g. a container volume), which a repair cannot replace; change it at its source`;
  if (st?.isFile() && st.nlink > 1) return hardLinkText(`${spec.path}${linked}`, st.nlink);
  return undefined;
}

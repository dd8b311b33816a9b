// The `update` key of a service: where Clawback installs versions side by side and how it judges a switch.
import { z } from 'zod';
import { duration, timeBound } from '../config/duration-schema.js';
import { byteSize } from '../probes/byte-size-schema.js';

export const updateSchema = z.strictObject({
  /** The npm package (the OpenClaw preset: "openclaw"). */
  package: z.string().regex(/^(@[a-z0-9._-]+\/)?[a-z0-9._-]+$/, 'expected an npm package name such as openclaw').default('openclaw'),
  /**
   * Versions live side by side in <dir>/<version>/ and <dir>/current is a symlink to the active one: the
   * service's command (and its validator) must run the package through <dir>/current. Default
   * <stateDir>/versions/<service>.
   */
  dir: z.string().optional(),
  /** What npm installs for VERSION; {package} and {version} are replaced (a tarball path or URL works too). */
  source: z.string().default('{package}@{version}'),
  /** argv of npm. */
  npm: z.array(z.string().min(1)).min(1).default(['npm']),
  /** Extra arguments of `npm install` (e.g. ["--registry", "https://..."]). */
  installArgs: z.array(z.string()).default([]),
  /** Directories put first on PATH while installing (openclaw's preinstall script needs Node >= 24.16). */
  pathPrefix: z.array(z.string()).default([]),
  /** Bound of one install (npm downloads ~770 MB for openclaw). */
  installTimeout: timeBound.default(900_000),
  /**
   * The gateway's state files to back up before a switch and restore on rollback (paths or globs). A directory is refused
   * (the update is blocked before anything is touched, naming it): `<dir>/*` takes the files in it, bounded and regular only.
   */
  stateFiles: z.array(z.string()).default([]),
  /** The most the backup of the config and stateFiles may copy in all ("4GiB"): a larger one fails the update before the switch. */
  backupLimit: byteSize.default(4 * 1024 ** 3),
  /** Readiness URL watched after the switch; default the service's probe named "readiness", else its first http probe. */
  readyUrl: z.string().url().optional(),
  /** How long the new version has to become ready before the update is rolled back. */
  watch: duration.default(240_000),
  /** After the first ready answer, how long it must stay up (no exit) before the update counts as a success. */
  settle: duration.default(10_000),
  /** Exits of the new version within the watch that count as a crash loop. */
  crashLoopExits: z.number().int().min(1).max(20).default(2),
  /** Old version directories kept (the active and the previous one are always kept). */
  keepVersions: z.number().int().min(2).max(20).default(3),
});

export type UpdateConfig = z.infer<typeof updateSchema>;

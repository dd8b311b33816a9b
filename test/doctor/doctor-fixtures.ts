// Shared set-up for doctor tests: a temp dir with a demo-gateway-like JSON config, a real validator script and a context.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serviceSchema, type ServiceConfig } from '../../src/config/schema.js';
import { systemClock, type Clock } from '../../src/platform/clock.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { SnapshotStore } from '../../src/doctor/snapshot-store.js';
import type { DoctorContext } from '../../src/doctor/types.js';

export const GOOD_CONFIG = '{"name":"demo-gateway","host":"127.0.0.1","port":18789}\n';

/** Exits 1 unless the JSON file named by argv[2] has an integer `port`. */
const VALIDATOR = `import { readFileSync } from 'node:fs';
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
if (!Number.isInteger(cfg.port)) { process.stderr.write('port must be an integer, got ' + JSON.stringify(cfg.port) + '\\n'); process.exit(1); }
`;

export interface DoctorFixture {
  dir: string;
  configPath: string;
  stateDir: string;
  validator: string;
  events: ClawbackEvent[];
  clock: Clock;
  snapshots: SnapshotStore;
  service: ServiceConfig;
  ctx(extra?: Partial<DoctorContext>): DoctorContext;
  /** Replaces fx.service with the service plus overrides (re-parsed, so defaults apply). */
  withService(overrides: Record<string, unknown>): void;
  /** Writes a node script into dir and returns its path. */
  script(name: string, body: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function makeFixture(serviceOverrides: Record<string, unknown> = {}, opts: { validate?: boolean; backupGlobs?: string[] } = {}): Promise<DoctorFixture> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-doctor-')));
  const configPath = path.join(dir, 'gateway.json');
  const stateDir = path.join(dir, 'state');
  const validator = path.join(dir, 'validate-port.mjs');
  await fs.writeFile(validator, VALIDATOR);
  await fs.writeFile(configPath, GOOD_CONFIG, { mode: 0o640 });
  await fs.chmod(configPath, 0o640);
  const service = serviceSchema.parse({
    name: 'gateway',
    command: [process.execPath, 'server.mjs'],
    cwd: dir,
    env: { CLAWBACK_TEST_CHILD: '1' },
    configFile: {
      path: configPath,
      format: 'json',
      backupGlobs: opts.backupGlobs ?? [],
      ...(opts.validate === false ? {} : { validateCommand: [process.execPath, validator, '{file}'] }),
    },
    ...serviceOverrides,
  });
  const clock = systemClock();
  const snapshots = new SnapshotStore(path.join(stateDir, 'snapshots', service.name), { keep: service.doctor.keepSnapshots, clock });
  const events: ClawbackEvent[] = [];
  const fx: DoctorFixture = {
    dir,
    configPath,
    stateDir,
    validator,
    events,
    clock,
    snapshots,
    service,
    ctx: (extra = {}) => ({ service: fx.service, stateDir, clock, snapshots, emit: (e) => events.push(e), ...extra }),
    withService(overrides) {
      fx.service = serviceSchema.parse({ ...fx.service, ...overrides });
    },
    async script(name, body) {
      const file = path.join(dir, name);
      await fs.writeFile(file, body);
      return file;
    },
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
  return fx;
}

/** Saves the current config bytes as last-known-good (as maybeRecordLastKnownGood would after a healthy spell). */
export async function recordGood(fx: DoctorFixture, content = GOOD_CONFIG): Promise<void> {
  await fx.snapshots.save(Buffer.from(content), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o640 });
}

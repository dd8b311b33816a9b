// The loader resolves and the literal-path warning checks the same one table of path fields (config/path-fields.ts).
// This walks the generated JSON Schema: every string field is either in that table, an argv, or named below as not a
// path, so a path field added to the schema and not to the table fails here instead of being used as written.
// configFile.backupGlobs was such a field: `~/bk/app.json.bak*` was looked for in <config folder>/~/bk, unwarned.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { loadConfig } from '../../src/config/load.js';
import { pathFields } from '../../src/config/path-fields.js';
import { tempDir } from '../helpers/daemon.js';

type Node = Record<string, unknown>;

/** Every string leaf of the schema as `.services[].probes[].file` (array items as `[]`, maps as `.*`). */
function stringLeaves(schema: Node): Set<string> {
  const defs = ((schema['$defs'] ?? schema['definitions'] ?? {}) as Record<string, Node>);
  const out = new Set<string>();
  const walk = (n: Node | undefined, at: string, refs: readonly string[]): void => {
    if (!n || typeof n !== 'object') return;
    const ref = n['$ref'];
    if (typeof ref === 'string') {
      const name = ref.split('/').pop()!;
      if (!refs.includes(name)) walk(defs[name], at, [...refs, name]);
      return;
    }
    for (const k of ['anyOf', 'oneOf', 'allOf']) for (const x of (n[k] as Node[] | undefined) ?? []) walk(x, at, refs);
    const t = n['type'];
    if (t === 'string' || (Array.isArray(t) && t.includes('string'))) out.add(at);
    for (const [k, v] of Object.entries((n['properties'] as Record<string, Node> | undefined) ?? {})) walk(v, `${at}.${k}`, refs);
    if (n['items'] && typeof n['items'] === 'object') walk(n['items'] as Node, `${at}[]`, refs);
    if (n['additionalProperties'] && typeof n['additionalProperties'] === 'object') walk(n['additionalProperties'] as Node, `${at}.*`, refs);
  };
  walk(schema, '', []);
  return out;
}

/** argvs: run without a shell, their entries passed as written (argvFields warns of `~` in them); emergency.binary is
 *  the agent's argv[0]. */
const ARGV = /^\.services\[\]\.(?:emergency\.binary|(?:command|autoscale\.command|doctor\.command|emergency\.command|openclaw\.cli|update\.npm|update\.installArgs|configFile\.validateCommand|probes\[\]\.(?:command|validateCommand)|external\.\w+Command)\[\])$/;

/** String fields that name no file or folder, each a deliberate decision: a new field must be placed in one list. */
const NOT_PATHS = new Set([
  '.$schema', '.api.host', '.logLevel', '.retention.maxAge',
  '.cluster.auth.password', '.cluster.auth.passwordEnv', '.cluster.auth.username', '.cluster.endpoints[]', '.cluster.leaseTtl', '.cluster.member', '.cluster.pollInterval',
  // etcd key prefix, not a file.
  '.cluster.prefix',
  '.groups[].name', '.groups[].services[]', '.groups[].strategy',
  '.notify.backoff.initial', '.notify.backoff.max', '.notify.dedupWindow', '.notify.outboxMaxAge', '.notify.reminderInterval', '.notify.timeout',
  ...['apiBase', 'avatarUrl', 'botToken', 'chatId', 'commands.pollTimeout', 'events[]', 'exclude[]', 'headers.*', 'method', 'minSeverity', 'mode', 'name', 'parseMode', 'server', 'token', 'topic', 'type', 'url', 'username'].map((k) => `.notify.channels[].${k}`),
  ...[
    'name', 'placement', 'dependsOn[]', 'env.*', 'requiredEnv[]', 'unsetEnv[]',
    'autoscale.cooldown', 'autoscale.interval', 'autoscale.metric', 'autoscale.target', 'autoscale.timeout', 'autoscale.window',
    // dotted paths into the service's own config, not files
    'configFile.format', 'configFile.portPath', 'configFile.protect[]', 'configFile.reload', 'configFile.validateTimeout',
    'doctor.confirmAfter', 'doctor.snapshotAfter', 'doctor.timeout',
    'emergency.adapter', 'emergency.apiKeyEnv', 'emergency.approval', 'emergency.approvalTimeout', 'emergency.baseUrl', 'emergency.budget.window', 'emergency.mode', 'emergency.model', 'emergency.passEnv[]', 'emergency.timeBox', 'emergency.verifyWindow',
    'external.timeout', 'logs.maxBytes',
    'openclaw.channelSettle', 'openclaw.evidenceTimeout',
    'prediction.crashPatterns.lookback', 'prediction.latency.minAbsoluteIncrease', 'prediction.latency.window', 'prediction.memory.horizon', 'prediction.memory.quietWindow.end', 'prediction.memory.quietWindow.start', 'prediction.memory.safetyMargin', 'prediction.memory.window',
    // probes[].json.path is a dotted path into a JSON body
    ...['action', 'body', 'bodyContains', 'channelBound', 'env.*', 'expectStatus[]', 'finding', 'flags', 'format', 'headers.*', 'host', 'interval', 'json.equals', 'json.path', 'kind', 'limit', 'maxBytesPerTick', 'method', 'name', 'otherBound', 'pattern', 'pluginReloadSlack', 'startupGrace', 'timeout', 'url', 'warn'].map((k) => `probes[].${k}`),
    'restart.backoff.initial', 'restart.backoff.max', 'restart.coolDown', 'restart.flapping.window', 'restart.guardianStartLimit.interval', 'restart.humanOnlyPattern', 'restart.intensity.window', 'restart.policy', 'restart.retryPattern', 'restart.selfRestartPattern', 'restart.stableAfter',
    'startup.timeout', 'stop.drainGrace', 'stop.grace', 'stop.hangGrace', 'stop.signal',
    'update.backupLimit', 'update.installTimeout', 'update.package', 'update.readyUrl', 'update.settle', 'update.source', 'update.watch',
  ].map((k) => `.services[].${k}`),
]);

/** A config holding a value in every path field of the table (one probe of each kind with a path). */
const EVERY_PATH = [
  'stateDir: ./st',
  'cluster: { endpoints: [http://127.0.0.1:2379], member: a, tls: { ca: ca.pem, cert: c.pem, key: k.pem } }',
  'services:',
  '  - name: app',
  '    command: [sleep, "1"]',
  '    cwd: svc',
  '    configFile: { path: ~/app.json, backupGlobs: [app.json.bak*, ~/bk/app.json.*] }',
  '    logs: { dir: ~/logs }',
  '    pidFiles: [run/app.pid]',
  '    lockFiles: [run/*.lock]',
  '    requiredDirs: [data]',
  '    update: { package: app, dir: ~/versions, stateFiles: [state.db], pathPrefix: [bin] }',
  '    emergency: { adapter: claude, allowedPaths: [conf] }',
  '    probes:',
  '      - { kind: log, name: l, pattern: x, file: out.log }',
  '      - { kind: config, name: c, path: conf.json }',
  '      - { kind: command, name: k, command: ["true"], cwd: k }',
  '  - name: ext',
  '    external: { pidFile: ext.pid, restartCommand: ["true"] }',
].join('\n');

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

function load(text: string): ReturnType<typeof loadConfig> {
  const dir = tempDir();
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'svc'));
  const file = path.join(dir, 'clawback.yaml');
  writeFileSync(file, text);
  return loadConfig({ file, env: {} });
}

describe('one table of path fields', () => {
  it('names every string field of the schema that is a path; the rest are argvs or listed as not paths', () => {
    const leaves = stringLeaves(configJsonSchema());
    const { declared } = load(EVERY_PATH);
    const inTable = new Set(pathFields(declared).map((f) => `.${f.field.replace(/\[\d+\]/g, '[]')}`));
    const unplaced = [...leaves].filter((l) => !inTable.has(l) && !ARGV.test(l) && !NOT_PATHS.has(l));
    // A field here is new: add it to config/path-fields.ts (resolved and checked) or, if it names no file, to NOT_PATHS.
    expect(unplaced).toEqual([]);
    // And the table holds nothing the schema does not (a renamed field).
    expect([...inTable].filter((f) => !leaves.has(f))).toEqual([]);
  });

  it('resolves every field of the table: no path is left relative or with a leading ~', () => {
    const { config } = load(EVERY_PATH);
    const left = pathFields(config).filter((f) => f.field !== 'stateDir' && !path.isAbsolute(f.value));
    expect(left).toEqual([]);
  });

  it('backupGlobs: ~ is the home, a relative glob is beside configFile.path, $HOME is warned of', () => {
    const home = os.homedir();
    const { config, warnings } = load(
      ['services:', '  - name: app', '    command: [sleep, "1"]', '    cwd: svc', '    configFile: { path: conf/app.json, backupGlobs: [~/bk/app.json.bak*, app.json.old, "$HOME/x.bak"] }'].join('\n'),
    );
    const cf = config.services[0]!.configFile!;
    const conf = path.dirname(cf.path);
    expect(cf.backupGlobs).toEqual([path.join(home, 'bk', 'app.json.bak*'), path.join(conf, 'app.json.old'), path.join(conf, '$HOME', 'x.bak')]);
    expect(warnings.some((w) => w.includes('services[0].configFile.backupGlobs[2]') && w.includes('"$HOME/x.bak"'))).toBe(true);
  });
});

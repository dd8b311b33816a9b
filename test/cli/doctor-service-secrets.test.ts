// `clawback doctor` prints what a service's validator said (the evidence of an invalid config): its redactor must know the
// secrets the daemon's knows (the service's env, its config file's token, the notify URLs), not this shell's env alone.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { NODE, tempDir } from '../helpers/daemon.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const TOKEN = 'gwtok-9f8e7d6c5b4a39281706';
const PASSPHRASE = 'passphrase-Zx9Yw8Vu7q';
const API_KEY = 'sk-proj-abcdefSECRET1234567890';
const HOOK = 'http://127.0.0.1:9/hook/whsecretpath987654';

describe('clawback doctor: the secrets a validator echoes', () => {
  it('are redacted in the text and the --json report (service env, config file token, notify URL)', async () => {
    const dir = tempDir('clawback-doctor-secrets-');
    dirs.push(dir);
    const svcConfig = path.join(dir, 'gw.json');
    writeFileSync(svcConfig, JSON.stringify({ gateway: { mode: 'lan', auth: { token: TOKEN } } }), { mode: 0o600 });
    // A validator that quotes the values it found (as real ones do): the file's token, the service's env, the hook.
    const said = path.join(dir, 'said.txt');
    writeFileSync(said, `invalid gateway.mode "lan" near ${TOKEN}; env ${PASSPHRASE} ${API_KEY}; hook ${HOOK}`);
    const validator = [NODE, '-e', `process.stderr.write(require('fs').readFileSync(${JSON.stringify(said)}, 'utf8')); process.exit(1)`];
    const config = path.join(dir, 'clawback.json');
    writeFileSync(
      config,
      JSON.stringify({
        stateDir: path.join(dir, 'state'),
        notify: { channels: [{ type: 'webhook', url: HOOK }] },
        services: [{ name: 'gw', command: [NODE, '-e', 'setInterval(() => {}, 1000)'], env: { GW_PASSPHRASE: PASSPHRASE, OPENAI_API_KEY: API_KEY }, configFile: { path: svcConfig, validateCommand: validator } }],
      }),
    );
    for (const args of [['doctor', 'gw'], ['doctor', 'gw', '--json']]) {
      const r = await runCli([...args, '--config', config], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toContain('validateCommand exit code 1');
      expect(r.stdout).toContain('[REDACTED]');
      for (const secret of [TOKEN, PASSPHRASE, API_KEY, 'whsecretpath987654']) expect(r.stdout + r.stderr, args.join(' ')).not.toContain(secret);
    }
  }, 60_000);
});

// `clawback doctor gw` said "healthy" (exit 0) for a stopped service whose config's $include'd file did not parse (or was
// missing) when no validator read the includes: the service cannot start on it, so the doctor must say the config is broken.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';

const MAIN = '{\n  // mine\n  gateway: { mode: "local", port: 23417, auth: { mode: "token", token: "tok-abc-123456" } },\n  channels: { $include: "./channels.json5" },\n}\n';

describe('doctor of a stopped service whose included config file is broken', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-incl-')));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  async function setUp(validate: boolean): Promise<string> {
    await fs.writeFile(path.join(dir, 'openclaw.json'), MAIN);
    // A validator that reads only the main file (as a hand-written one often does).
    await fs.writeFile(path.join(dir, 'validate.mjs'), "import { readFileSync } from 'node:fs'; JSON.parse(JSON.stringify(readFileSync(process.argv[2], 'utf8')));\n");
    const validator = validate ? `, validateCommand: [${JSON.stringify(process.execPath)}, ${JSON.stringify(path.join(dir, 'validate.mjs'))}, "{file}"]` : '';
    const yaml =
      `stateDir: ${JSON.stringify(path.join(dir, 'state'))}\napi: { port: 0 }\nservices:\n` +
      `  - name: gw\n    command: [${JSON.stringify(process.execPath)}, "-e", "setInterval(() => {}, 1000)"]\n` +
      `    configFile: { path: ${JSON.stringify(path.join(dir, 'openclaw.json'))}, format: json5${validator} }\n`;
    const file = path.join(dir, 'clawback.yaml');
    await fs.writeFile(file, yaml);
    return file;
  }

  for (const validate of [false, true]) {
    it(`names the included file (${validate ? 'a validator of the main file only' : 'no validator'}) and never says healthy`, async () => {
      const config = await setUp(validate);
      const channels = path.join(dir, 'channels.json5');
      await fs.writeFile(channels, '{ telegram: { botToken: "123456:ABCDEF" } }\n');
      const ok = await runCli(['--config', config, 'doctor', 'gw'], { timeoutMs: 60_000 });
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);

      await fs.writeFile(channels, '{ telegram: { botToken: "123456:ABC\n');
      const bad = await runCli(['--config', config, 'doctor', 'gw'], { timeoutMs: 60_000 });
      expect(bad.code, bad.stdout + bad.stderr).toBe(2);
      expect(bad.stdout).toContain('config file invalid');
      expect(bad.stdout).toContain(`the fault is in an included file: ${channels} (unparseable`);
      expect(bad.stdout).not.toContain('gw: healthy');

      await fs.rm(channels);
      const gone = await runCli(['--config', config, 'doctor', 'gw', '--fix'], { timeoutMs: 60_000 });
      expect(gone.code, gone.stdout + gone.stderr).toBe(2);
      expect(gone.stdout).toContain(`${channels} (missing)`);
      // Nothing to put back from: the main file is left as it was.
      expect(await fs.readFile(path.join(dir, 'openclaw.json'), 'utf8')).toBe(MAIN);
    }, 120_000);
  }
});

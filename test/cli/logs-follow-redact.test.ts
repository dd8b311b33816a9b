// `clawback logs NAME [-f]` never shows a private key block's body: split across two reads, or cut by the -n window.
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';

const BODY = ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKA', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKB', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKC'];

describe('logs NAME -f', () => {
  let child: MarkedChild | undefined;
  afterEach(() => child?.kill());

  it('redacts the body of a private key block whose BEGIN line was shown in an earlier read (it showed the body)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    const logs = path.join(dir, 'state', 'logs');
    mkdirSync(logs, { recursive: true });
    writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'] }] }));
    const log = path.join(logs, 'web.log');
    writeFileSync(log, `starting\n-----BEGIN PRIVATE KEY-----\n${BODY[0]}\n`);
    child = spawnMarked(process.execPath, [CLI, 'logs', 'web', '-f', '-n', '10', '--config', file, '--state-dir', path.join(dir, 'state')]);
    await child.waitForStdout('BEGIN PRIVATE KEY');
    // A later write by the service, seen by a later read of the follower.
    appendFileSync(log, `${BODY[1]}\n${BODY[2]}\n-----END PRIVATE KEY-----\nafter the key\n`);
    const out = await child.waitForStdout('after the key');
    for (const b of BODY) expect(out).not.toContain(b);
    expect(out).toBe('starting\n-----BEGIN PRIVATE KEY-----\n[REDACTED]\n[REDACTED]\n[REDACTED]\n-----END PRIVATE KEY-----\nafter the key\n');
  }, 60_000);

  it('-n that starts inside a key block (its BEGIN line cut off) shows no body line (it showed them)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    const logs = path.join(dir, 'state', 'logs');
    mkdirSync(logs, { recursive: true });
    writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'] }] }));
    writeFileSync(path.join(logs, 'web.log'), `-----BEGIN PRIVATE KEY-----\n${BODY.join('\n')}\n-----END PRIVATE KEY-----\nok\n`);
    const r = await runCli(['logs', 'web', '-n', '3', '--config', file, '--state-dir', path.join(dir, 'state')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('[REDACTED]\n-----END PRIVATE KEY-----\nok\n');
  }, 60_000);
});

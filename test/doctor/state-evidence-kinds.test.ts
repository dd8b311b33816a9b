// `clawback doctor` counts the copies the daemon set aside of its own files: an orphan update record moved aside at a
// person's resume (updates/<svc>.in-flight.json.orphan-*) and a file found in a channel folder's place
// (outbox/<channel>[/dead].not-a-dir-*) were left out of its count, while a channel whose name merely looks like a copy is not one.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stateEvidence } from '../../src/doctor/state-evidence.js';
import { fileStamp } from '../../src/platform/file-stamp.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the state evidence the doctor counts', () => {
  it('takes in set-aside orphan records and channel-folder stand-ins, not a channel named like one', () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'clawback-evidence-kinds-'));
    dirs.push(stateDir);
    const stamp = fileStamp(Date.UTC(2026, 11, 7, 13, 50));
    mkdirSync(path.join(stateDir, 'updates'));
    writeFileSync(path.join(stateDir, 'updates', `gw.in-flight.json.orphan-${stamp}-ab12`), '{}');
    writeFileSync(path.join(stateDir, 'updates', `gw.in-flight.json.unreadable-${stamp}`), '{');
    writeFileSync(path.join(stateDir, 'updates', 'gw.in-flight.json'), '{}');
    mkdirSync(path.join(stateDir, 'outbox', 'team.v2-alerts', 'dead'), { recursive: true });
    writeFileSync(path.join(stateDir, 'outbox', `ops.not-a-dir-${stamp}`), 'x');
    writeFileSync(path.join(stateDir, 'outbox', 'team.v2-alerts', '000000000001.json.corrupt'), 'x');
    writeFileSync(path.join(stateDir, 'outbox', 'team.v2-alerts', `dead.not-a-dir-${stamp}`), 'x');
    const found = stateEvidence(stateDir);
    expect(found.files.map((f) => path.relative(stateDir, f)).sort()).toEqual(
      [`outbox/ops.not-a-dir-${stamp}`, 'outbox/team.v2-alerts/000000000001.json.corrupt', `outbox/team.v2-alerts/dead.not-a-dir-${stamp}`, `updates/gw.in-flight.json.orphan-${stamp}-ab12`, `updates/gw.in-flight.json.unreadable-${stamp}`].sort(),
    );
  });
});

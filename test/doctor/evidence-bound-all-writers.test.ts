// The service-doctor guard (keepEvidence, label corrupt) and the doctor's revert (label doctor-undone) kept one more copy
// of the bytes they undid per run, bounded only by the retention sweep's 30-day age rule (25 runs: 25 copies beside the
// user's file), while the restore's `.corrupt-*` copies stayed within EVIDENCE_BOUND. Every writer is bounded the same way
// now, the copy it names always kept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EVIDENCE_BOUND, keepEvidence } from '../../src/doctor/safe-user-write.js';
import { systemClock } from '../../src/platform/clock.js';

describe('evidence kept by the guard and the revert', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-evidence-')));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  for (const label of ['corrupt', 'doctor-undone']) {
    it(`${label}: ${EVIDENCE_BOUND.copies + 5} runs keep at most ${EVIDENCE_BOUND.copies} copies, the one named always`, async () => {
      const file = path.join(dir, 'openclaw.json');
      await fs.writeFile(file, '{}');
      const clock = systemClock();
      for (let i = 0; i < EVIDENCE_BOUND.copies + 5; i++) {
        const bytes = Buffer.from(`run ${i} wrote this\n`);
        const named = await keepEvidence(file, bytes, { mode: 0o600 }, clock, label);
        expect(await fs.readFile(named)).toEqual(bytes);
        const copies = (await fs.readdir(dir)).filter((n) => n.startsWith(`openclaw.json.${label}-`));
        expect(copies.length).toBeLessThanOrEqual(EVIDENCE_BOUND.copies);
        expect(copies).toContain(path.basename(named));
      }
      // The file itself and other labels are never touched.
      expect(await fs.readFile(file, 'utf8')).toBe('{}');
    });
  }
});

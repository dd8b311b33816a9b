// A copy with "***" / "[redacted]" where a secret was (pasted from `openclaw config get`, a UI save) validates, but
// must never become last-known-good nor be restored: the gateway would then run with the mask as its token.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { maybeRecordLastKnownGood } from '../../src/doctor/last-known-good.js';
import { redactedPlaceholders } from '../../src/doctor/redacted-placeholders.js';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { makeFixture, recordGood, type DoctorFixture } from './doctor-fixtures.js';

const REAL = '{"name":"demo-gateway","port":18789,"auth":{"token":"s3cret-token-value"}}\n';
const MASKED = '{"name":"demo-gateway","port":18789,"auth":{"token":"***"}}\n';

describe('redactedPlaceholders (pure)', () => {
  it('finds whole masks anywhere and shortened secrets at secret paths only', () => {
    expect(redactedPlaceholders({ a: { token: '***' }, b: [' [REDACTED] '], c: { apiKey: 'sk-ab…yz' }, d: { note: 'wait...' } })).toEqual(['a.token', 'b[0]', 'c.apiKey']);
    expect(redactedPlaceholders({ gateway: { auth: { token: '${OPENCLAW_GATEWAY_TOKEN}' } } })).toEqual([]);
  });
});

describe('a config holding redacted placeholders', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('is not recorded as last-known-good, even when it validates and the service is healthy with it', async () => {
    await fs.writeFile(fx.configPath, MASKED);
    const old = new Date(Date.now() - 3_600_000);
    await fs.utimes(fx.configPath, old, old);
    const now = Date.now();
    const r = await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now - 10, now });
    expect(r.recorded).toBe(false);
    expect(r.reason).toContain('redacted placeholder');
    expect(r.reason).toContain('auth.token');
    expect(await fx.snapshots.list('last-known-good')).toHaveLength(0);
  });

  it('is never restored: a masked copy is refused with a reason, an older real copy is restored instead', async () => {
    await recordGood(fx, REAL);
    await new Promise((r) => setTimeout(r, 20));
    await recordGood(fx, MASKED); // e.g. recorded by an earlier version, or a .bak the UI wrote
    await fs.writeFile(fx.configPath, '{"name":"demo-gateway",'); // truncated: nothing to carry over from
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(REAL);
    const verdicts = (report.outcomes[0]!.details as { candidates: { verdict: string }[] }).candidates.map((c) => c.verdict);
    expect(verdicts[0]).toMatch(/^refused: holds a redacted placeholder .* at auth\.token/);
  });

  it('with only masked copies, nothing is written and the message says why', async () => {
    await recordGood(fx, MASKED);
    await fs.writeFile(fx.configPath, '{"name":"demo-gateway",');
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: false });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe('{"name":"demo-gateway",');
    expect(report.outcomes[0]!.message).toContain('redacted placeholder');
  });
});

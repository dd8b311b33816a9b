// Azure Functions' `X-Functions-Key` (and its kin: Azure Storage's `AccountKey`, Cloudflare's `X-Auth-Key`, a `MASTER_KEY`)
// reached every channel as written, in a line and in a header map: only `api`/`access`/`subscription` keys were known.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';
import { allChannels, config, event, logCollector, receiverPerTest } from './helpers.js';

const FN = '3kd8Fj29sLq0Zm1Xy7Pq4Rt6Vw';
const ACCOUNT = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const CF = 'c2547eb745079dac9320b638f5e225cf483cc';
const MASTER = 'aSampleMasterKey123';
const SECRETS = [FN, ACCOUNT, CF, MASTER];
const LINES = [`X-Functions-Key: ${FN}`, `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${ACCOUNT}`, `{"X-Auth-Key":"${CF}"}`, `MEILI_MASTER_KEY=${MASTER}`];

describe('function, account, auth and master keys', () => {
  it('are redacted in a line and in a header map, the names kept', () => {
    const r = new Redactor();
    expect(r.redact(LINES[0]!)).toBe(`X-Functions-Key: ${REDACTED}`);
    for (const line of LINES) for (const s of SECRETS) expect(r.redact(line)).not.toContain(s);
    expect(r.redactDeep({ headers: { 'x-functions-key': FN, 'X-Auth-Key': CF, sortKey: 'name' } })).toEqual({ headers: { 'x-functions-key': REDACTED, 'X-Auth-Key': REDACTED, sortKey: 'name' } });
  });

  const h = receiverPerTest();

  it('never reach a channel', async () => {
    const n = createNotifier(config(allChannels(h.receiver)), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), log: logCollector().log });
    h.notifiers.push(n);
    n.publish(event({ type: 'probe.failed', severity: 'warning', level: undefined, message: 'fn: probe failed', details: { logExcerpt: LINES.join('\n'), headers: { 'X-Functions-Key': FN, AccountKey: ACCOUNT } } }));
    await h.receiver.waitFor(() => h.receiver.accepted.length >= 6 && n.outboxDepth() === 0, 15_000, 'the alert on every channel');
    for (const m of h.receiver.accepted) for (const s of SECRETS) expect(m.raw, m.channel).not.toContain(s);
  }, 30_000);
});

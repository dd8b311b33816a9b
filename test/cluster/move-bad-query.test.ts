// `clawback cluster move gw --to ''` (or an API call without a field) answered "expected ?service=NAME&to=MEMBER",
// naming neither the field nor what was wrong with it: the 400 names the field and says empty or missing.
import { describe, expect, it } from 'vitest';
import { activeMember, api, startMember, etcdForMembers } from './cluster-members.js';

const env = etcdForMembers(1);

describe('cluster move with a field empty or missing (real etcd, real daemon)', () => {
  it('is refused with 400 naming the field; the service keeps running', async () => {
    const a = await startMember('a', { endpoints: env.etcd.endpoints, prefix: `mbq${process.pid}` });
    env.members = [a];
    await activeMember([a]);
    const empty = await api(a, 'POST', '/api/cluster/move?service=gw&to=');
    expect(empty).toEqual({ status: 400, body: { ok: false, message: 'to: empty, expected ?service=NAME&to=MEMBER (a non-empty member name)' } });
    const none = await api(a, 'POST', '/api/cluster/move?to=a');
    expect(none).toEqual({ status: 400, body: { ok: false, message: 'service: missing, expected ?service=NAME&to=MEMBER (a non-empty service name)' } });
    await activeMember([a], 5000);
  }, 90_000);
});

// A member that won but skipped the leader's config (a value in etcd it cannot use) starts on its own config: the cluster
// may run two configs now. In the default mode (incident) nobody was told, and each later win said it again in the
// journal. Now it is an alert of its own, once per cause, headed for what happened (not "Config snapshot saved").
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Etcd3 } from 'etcd3';
import { clusterSchema } from '../../src/cluster/cluster-schema.js';
import { connectEtcd } from '../../src/cluster/etcd-connect.js';
import { configFollower } from '../../src/cluster/config-follow.js';
import { serviceSchema } from '../../src/config/schema.js';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { Redactor } from '../../src/observe/redact.js';
import { EventBus } from '../../src/observe/events.js';
import { systemClock } from '../../src/platform/clock.js';
import { startEtcdCluster, type EtcdCluster } from '../cluster/etcd-cluster.js';
import { Receiver } from './receiver.js';
import { DISCORD_TOKEN, SLACK_TOKEN, config } from './helpers.js';

let etcd: EtcdCluster;
let client: Etcd3;
let receiver: Receiver;
const root = mkdtempSync(path.join(os.tmpdir(), 'clawback-follow-alert-'));

beforeAll(async () => {
  etcd = await startEtcdCluster(1);
  client = await connectEtcd(clusterSchema.parse({ member: 'test', endpoints: etcd.endpoints }));
  receiver = await Receiver.start();
}, 90_000);

afterAll(async () => {
  client?.close();
  await etcd?.stop();
  await receiver?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('a skipped config follow reaches a person (real etcd, real receiver)', () => {
  it('is sent on its own in incident mode, once per cause, and again for a new cause', async () => {
    const file = path.join(root, 'gateway.json');
    writeFileSync(file, '{"gateway":{"port":2222}}');
    const prefix = `followalert-${process.pid}`;
    const key = `/${prefix}/config/gw`;
    const cluster = clusterSchema.parse({ member: 'b', endpoints: etcd.endpoints, prefix });
    const service = serviceSchema.parse({ name: 'gw', command: ['node'], placement: 'singleton', configFile: { path: file } });
    // dedupWindow 0: only the source's "once per cause" keeps the repeats out.
    const notifier = createNotifier(
      config(
        [
          { type: 'discord', mode: 'incident', url: `${receiver.base}/discord/1234567890/${DISCORD_TOKEN}` },
          { type: 'slack', mode: 'incident', url: `${receiver.base}/slack/services/T000/B000/${SLACK_TOKEN}` },
        ],
        { dedupWindow: 0 },
      ),
      { stateDir: path.join(root, 'state'), clock: systemClock(), redactor: new Redactor() },
    );
    const f = configFollower({ client, cluster, service, clock: systemClock(), emit: (e) => notifier.publish(e), bus: new EventBus(), stateDir: path.join(root, 'state') });
    try {
      await client.put(key).value('{"member": "a", "content": ').exec();
      // Three wins in a row with the same unusable value.
      for (let i = 0; i < 3; i++) await f.apply();
      await notifier.flush(10_000);
      await receiver.waitFor(() => receiver.of('discord').length >= 1 && receiver.of('slack').length >= 1, 10_000, 'the skip alert on both channels');
      expect(receiver.of('discord')).toHaveLength(1);
      expect(receiver.of('slack')).toHaveLength(1);
      for (const m of [...receiver.of('discord'), ...receiver.of('slack')]) {
        expect(m.text).toContain(key);
        expect(m.text).toContain('Config not taken from the cluster');
        expect(m.text).not.toContain('Config snapshot saved');
      }
      // Another cause: said again.
      await client.put(key).value(JSON.stringify({ member: 'a', savedAt: 1, sha256: 'x' })).exec();
      await f.apply();
      await f.apply();
      await notifier.flush(10_000);
      await receiver.waitFor(() => receiver.of('discord').length >= 2, 10_000, 'the second cause');
      expect(receiver.of('discord')).toHaveLength(2);
      expect(receiver.of('discord')[1]!.text).toContain('"content"');
    } finally {
      f.stop();
      await notifier.stop();
    }
  }, 60_000);
});

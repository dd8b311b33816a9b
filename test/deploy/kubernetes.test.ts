// The Kubernetes example: every manifest against the Kubernetes / Prometheus Operator schemas, and the wiring between them.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ConfigMap, PersistentVolumeClaim, Service, Secret } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodMonitor, PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { readYamlDocuments, readKustomization, renderBase, type ManifestDoc } from './kustomize-render.js';
import { validateConfig } from '../../src/config/load.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = path.join(root, 'examples', 'kubernetes');

/** The kinds this example may use, each with the model that validates it (ajv, generated from the OpenAPI schemas). */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Service': Service,
  'v1/Secret': Secret,
  'apps/v1/Deployment': Deployment,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

// The schemas accept unknown keys (the API server would reject them with strict field validation):
// these lists catch typos where this example's meaning lives, in containers and probes.
const CONTAINER_KEYS = new Set([
  'name', 'image', 'imagePullPolicy', 'command', 'args', 'workingDir', 'env', 'envFrom', 'ports', 'resources', 'resizePolicy',
  'restartPolicy', 'volumeMounts', 'volumeDevices', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle',
  'securityContext', 'stdin', 'stdinOnce', 'tty', 'terminationMessagePath', 'terminationMessagePolicy',
]);
const PROBE_KEYS = new Set([
  'exec', 'httpGet', 'tcpSocket', 'grpc', 'initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'successThreshold',
  'failureThreshold', 'terminationGracePeriodSeconds',
]);

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML

function kindKey(o: Obj): string {
  return `${o.apiVersion}/${o.kind}`;
}

function where(d: ManifestDoc): string {
  return `${path.basename(d.file)}#${d.index} ${kindKey(d.object)}`;
}

function validateManifest(d: ManifestDoc): string[] {
  const Model = MODELS[kindKey(d.object)];
  if (!Model) return [`${where(d)}: no schema known for this kind (add it to MODELS)`];
  try {
    new Model(d.object as never).validate();
    return [];
  } catch (err) {
    return [`${where(d)}: ${(err as Error).message}`];
  }
}

const base = renderBase(dir);
const allFiles = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const one = (kind: string, name?: string): Obj => {
  const found = base.map((d) => d.object as Obj).filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
  expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0]!;
};

describe('kubernetes example: schemas', () => {
  it('renders a base of the expected kinds', () => {
    expect(base.map((d) => d.object.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'PersistentVolumeClaim', 'PrometheusRule', 'Service', 'ServiceMonitor']);
  });

  it('every document of every manifest file validates against its schema', () => {
    const docs = allFiles.flatMap((f) => readYamlDocuments(path.join(dir, f)));
    expect(docs.length).toBeGreaterThanOrEqual(8);
    expect(docs.flatMap(validateManifest)).toEqual([]);
  });

  it('the validation is real: a broken Deployment and a broken ServiceMonitor are rejected', () => {
    const dep = structuredClone(one('Deployment')) as Obj;
    dep.spec.template.spec.containers[0].livenessProbe.periodSeconds = 'ten';
    expect(validateManifest({ file: 'x', index: 0, object: dep })).toHaveLength(1);
    const sm = structuredClone(one('ServiceMonitor')) as Obj;
    sm.spec.endpoints = 'metrics';
    expect(validateManifest({ file: 'x', index: 0, object: sm })).toHaveLength(1);
  });

  it('containers and probes use only known fields', () => {
    const pod = one('Deployment').spec.template.spec as Obj;
    const problems: string[] = [];
    for (const c of [...(pod.initContainers ?? []), ...pod.containers] as Obj[]) {
      for (const k of Object.keys(c)) if (!CONTAINER_KEYS.has(k)) problems.push(`container ${c.name}: unknown field ${k}`);
      for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        for (const k of Object.keys(c[p] ?? {})) if (!PROBE_KEYS.has(k)) problems.push(`container ${c.name} ${p}: unknown field ${k}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every manifest file is in the kustomization (podmonitor.yaml and keda-scaledobject.yaml commented)', () => {
    const k = readKustomization(dir);
    const text = readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8');
    for (const f of allFiles) {
      if (f === 'podmonitor.yaml') expect(text).toMatch(/#\s*- podmonitor\.yaml/);
      else if (f === 'keda-scaledobject.yaml') expect(text).toMatch(/#\s*- keda-scaledobject\.yaml/);
      else expect(k.resources).toContain(f);
    }
  });
});

describe('kubernetes example: wiring', () => {
  const dep = one('Deployment');
  const pod = dep.spec.template.spec as Obj;
  const container = (name: string): Obj => {
    const c = (pod.containers as Obj[]).find((x) => x.name === name);
    expect(c, `container ${name}`).toBeDefined();
    return c!;
  };
  const gateway = container('gateway');
  const sidecar = container('clawback');
  const portOf = (c: Obj, name: string): number => (c.ports as Obj[]).find((p) => p.name === name)?.containerPort as number;
  const cm = one('ConfigMap', 'clawback-config');
  const clawbackYaml = YAML.parse(cm.data['clawback.yaml'] as string) as Obj;

  it('the kubelet owns Level 0-1: probes on the gateway\'s real endpoints, start-up covered for 60 s and more', () => {
    expect(gateway.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'gateway' });
    expect(gateway.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'gateway' });
    expect(gateway.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'gateway' });
    expect(gateway.startupProbe.failureThreshold * gateway.startupProbe.periodSeconds).toBeGreaterThanOrEqual(60);
    expect(portOf(gateway, 'gateway')).toBe(18789);
    expect(gateway.args).toEqual(expect.arrayContaining(['gateway', 'run', '--port', String(portOf(gateway, 'gateway'))]));
  });

  it('the sidecar\'s clawback.yaml is valid and watches the gateway without owning it', () => {
    const cfg = validateConfig(clawbackYaml, 'configmap clawback.yaml');
    expect(cfg.services).toHaveLength(1);
    const svc = cfg.services[0]!;
    // A stand-in process: the gateway is the kubelet's, Clawback never spawns or signals it.
    expect(svc.command).toEqual(['sleep', 'infinity']);
    expect(pod.shareProcessNamespace).toBeUndefined();
    expect(svc.port).toBeUndefined();
    const http = svc.probes.find((p) => p.kind === 'http');
    expect(http && 'url' in http ? new URL(http.url).port : '').toBe(String(portOf(gateway, 'gateway')));
    expect(svc.doctor.command?.[0]).toBe('openclaw');
  });

  it('both containers see the config file on the shared volume at the same path', () => {
    const env = (c: Obj, name: string): unknown => (c.env as Obj[]).find((e) => e.name === name)?.value;
    const cfgPath = env(gateway, 'OPENCLAW_CONFIG_PATH');
    expect(env(sidecar, 'OPENCLAW_CONFIG_PATH')).toBe(cfgPath);
    expect(clawbackYaml.services[0].configFile.path).toBe(cfgPath);
    const dataMount = (c: Obj): string => (c.volumeMounts as Obj[]).find((m) => m.name === 'data')?.mountPath as string;
    expect(dataMount(gateway)).toBe(dataMount(sidecar));
    expect(String(cfgPath).startsWith(dataMount(gateway) + '/')).toBe(true);
    expect(String(clawbackYaml.stateDir).startsWith(dataMount(sidecar) + '/')).toBe(true);
    const claim = (pod.volumes as Obj[]).find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName;
    expect(claim).toBe(one('PersistentVolumeClaim').metadata.name);
    expect(dep.spec.strategy.type).toBe('Recreate');
  });

  it('the sidecar reads its config from the ConfigMap and its token from the Secret the scrapers use', () => {
    const mount = (sidecar.volumeMounts as Obj[]).find((m) => m.name === 'config');
    expect(sidecar.args).toEqual(['--config', mount!.mountPath]);
    expect(mount!.subPath).toBe('clawback.yaml');
    expect((pod.volumes as Obj[]).find((v) => v.name === 'config')?.configMap?.name).toBe(cm.metadata.name);
    const seed = (pod.initContainers as Obj[]).find((c) => c.name === 'seed')!;
    expect(seed.command.join(' ')).toContain(`${clawbackYaml.stateDir}/token`);
    const tokens = (pod.volumes as Obj[]).find((v) => v.name === 'tokens')!.secret;
    expect(tokens.items).toEqual([{ key: 'api-token', path: 'api-token' }]);
    const podMonitor = readYamlDocuments(path.join(dir, 'podmonitor.yaml'))[0]!.object as Obj;
    for (const mon of [one('ServiceMonitor').spec.endpoints[0], podMonitor.spec.podMetricsEndpoints[0]] as Obj[]) {
      expect(mon.authorization.credentials).toEqual({ name: tokens.secretName, key: 'api-token' });
    }
  });

  it('metrics: the API listens off loopback on the port the Service and monitors name', () => {
    expect(clawbackYaml.api.host).toBe('0.0.0.0');
    expect(portOf(sidecar, 'metrics')).toBe(clawbackYaml.api.port);
    const svc = one('Service');
    expect(svc.spec.selector).toEqual(dep.spec.template.metadata.labels);
    for (const p of svc.spec.ports as Obj[]) {
      expect([portOf(gateway, p.targetPort), portOf(sidecar, p.targetPort)].some((n) => n === p.port)).toBe(true);
    }
    const sm = one('ServiceMonitor');
    expect(sm.spec.selector.matchLabels).toEqual(svc.metadata.labels);
    expect((svc.spec.ports as Obj[]).map((p) => p.name)).toContain(sm.spec.endpoints[0].port);
    const pm = readYamlDocuments(path.join(dir, 'podmonitor.yaml'))[0]!.object as Obj;
    expect(pm.spec.selector.matchLabels).toEqual(dep.spec.template.metadata.labels);
    expect(portOf(sidecar, pm.spec.podMetricsEndpoints[0].port)).toBe(clawbackYaml.api.port);
  });

  it('the sidecar\'s liveness reads the daemon heartbeat in its state directory', () => {
    expect(sidecar.livenessProbe.exec.command.join(' ')).toContain(`${clawbackYaml.stateDir}/daemon.json`);
  });

  it('every image is the one the kustomization pins', () => {
    const k = readKustomization(dir);
    for (const c of [...pod.initContainers, ...pod.containers] as Obj[]) {
      const [name, tag] = String(c.image).split(':');
      const entry = k.images.find((i) => i.name === name);
      expect(entry, `images entry for ${c.image}`).toBeDefined();
      expect(tag).toBe(entry!.newTag);
    }
  });

  it('the PrometheusRule carries exactly the groups of examples/monitoring/alert-rules.yaml', () => {
    const rules = YAML.parse(readFileSync(path.join(root, 'examples', 'monitoring', 'alert-rules.yaml'), 'utf8')) as Obj;
    // On a mismatch, regenerate spec.groups of prometheusrule.yaml from alert-rules.yaml.
    expect(one('PrometheusRule').spec.groups).toEqual(rules.groups);
  });

  it('the KEDA ScaledObject scales on a metric Clawback exports, and its schema check is real', () => {
    const so = readYamlDocuments(path.join(dir, 'keda-scaledobject.yaml'))[0]!.object as Obj;
    const trigger = so.spec.triggers[0] as Obj;
    expect(trigger.type).toBe('prometheus');
    const exported = readFileSync(path.join(root, 'src', 'instances', 'instances-plugin.ts'), 'utf8');
    const names = [...String(trigger.metadata.query).matchAll(/\b(clawback_[a-z_]+)\b/g)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(exported, `${n} is rendered by src/instances/instances-plugin.ts`).toContain(`'${n}'`);
    expect(Number(trigger.metadata.threshold)).toBeGreaterThan(0);
    expect(so.spec.minReplicaCount).toBeLessThanOrEqual(so.spec.maxReplicaCount);
    // The config in its comment is a valid clawback config (with instances and autoscale).
    const comment = readFileSync(path.join(dir, 'keda-scaledobject.yaml'), 'utf8').split('\n').filter((l) => l.startsWith('#')).map((l) => l.slice(1));
    const from = comment.findIndex((l) => l.trim() === 'services:');
    const indent = comment[from]!.indexOf('services:');
    const end = comment.findIndex((l, i) => i > from && (l.trim() === '' || l.search(/\S/) <= indent));
    const block = comment.slice(from, end).map((l) => l.slice(indent));
    expect(validateConfig(YAML.parse(block.join('\n')), 'keda-scaledobject.yaml').services.map((x) => x.name)).toEqual(['web:0', 'web:1', 'web:2', 'web:3']);
    const broken = { ...so, spec: { ...so.spec, triggers: [{ metadata: {} }] } };
    expect(validateManifest({ file: 'keda-scaledobject.yaml', index: 0, object: broken } as ManifestDoc).length).toBe(1);
  });
});

// One place that teaches a Redactor every secret the config reaches, so the daemon and each CLI command that prints
// what a service said (doctor, logs, history, the guardian) redact the same values.
import type { Redactor } from './redact.js';
import { learnConfigFileSecrets } from './config-file-secrets.js';
import { notifySecrets } from '../notify/notify-secrets.js';
import type { ServiceConfig } from '../config/schema.js';
import type { NotifyConfig } from '../notify/notify-schema.js';

/**
 * Learns this process's environment, each service's `env` and its command probes' `env`, its config file's secret fields (the gateway token),
 * and the notify section's URLs and tokens. Never throws: an unreadable config file teaches nothing.
 */
export async function learnServiceSecrets(
  redactor: Redactor,
  config: { services: ReadonlyArray<Pick<ServiceConfig, 'env' | 'configFile' | 'inheritEnv'> & { probes?: ServiceConfig['probes'] }>; notify?: NotifyConfig | undefined },
): Promise<Redactor> {
  redactor.addSecretEnv(process.env);
  for (const s of config.services) redactor.addSecretEnv(s.env);
  // A command probe's own `env` (the check's token): a check that prints it on failure put it in the probe.failed alert.
  for (const s of config.services) for (const p of s.probes ?? []) if (p.kind === 'command') redactor.addSecretEnv(p.env);
  // The services' own config files hold secrets too (the gateway token): known before the first line is read.
  for (const s of config.services) await learnConfigFileSecrets(s, redactor);
  if (config.notify) for (const secret of notifySecrets(config.notify)) redactor.addSecret(secret);
  return redactor;
}

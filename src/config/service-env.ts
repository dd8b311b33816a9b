// The environment a service's commands see: inherited (minus unsetEnv) plus its own variables.
import type { ServiceConfig } from './schema.js';

export function serviceEnv(service: ServiceConfig, parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  const base = service.inheritEnv ? parent : { PATH: parent.PATH, HOME: parent.HOME, CLAWBACK_TEST_CHILD: parent.CLAWBACK_TEST_CHILD, CLAWBACK_TEST_RUN: parent.CLAWBACK_TEST_RUN };
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  for (const k of service.unsetEnv) delete env[k];
  Object.assign(env, service.env);
  return env;
}

// A reload hands a service to a new runtime: the old one's callers wait for it, resolved once (undefined: none was built).
import type { ServiceRuntime } from './service-runtime.js';

export interface HandOver {
  next: Promise<ServiceRuntime | undefined>;
  /** Resolves `next`; later calls change nothing. */
  to(rt: ServiceRuntime | undefined): void;
}

export function handOver(): HandOver {
  let to: (rt: ServiceRuntime | undefined) => void = () => undefined;
  const next = new Promise<ServiceRuntime | undefined>((resolve) => (to = resolve));
  return { next, to };
}

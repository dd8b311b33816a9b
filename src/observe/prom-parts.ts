// prom-client's registry, metric classes and value formatter, loaded one file each: its index also loads the
// Pushgateway (https, tls, zlib), the cluster aggregator (cluster, dgram), the default metrics (perf_hooks, v8,
// OpenTelemetry) and Summary, code the daemon never runs but would hold in memory for its whole life (issue 19).
import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';

const load = createRequire(import.meta.url);

export const Registry = load('prom-client/lib/registry') as typeof Prom.Registry;
export const Counter = load('prom-client/lib/counter') as typeof Prom.Counter;
export const Gauge = load('prom-client/lib/gauge') as typeof Prom.Gauge;
export const Histogram = load('prom-client/lib/histogram') as typeof Prom.Histogram;
export type Registry = Prom.Registry;
export type Counter<T extends string = string> = Prom.Counter<T>;
export type Gauge<T extends string = string> = Prom.Gauge<T>;
export type Histogram<T extends string = string> = Prom.Histogram<T>;
/** A sample value as prom-client writes it (`Nan`, `+Inf`, `-Inf`, else the number), for text written by hand. */
export const getValueAsString = (load('prom-client/lib/util') as { getValueAsString(v: number): string }).getValueAsString;

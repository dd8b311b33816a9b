// Copies of parsed data (JSON from a service, an event's details) keep every key as data: `out[k] = v` with k `__proto__` set the copy's prototype.

/** Sets `key` on `out` as an own, enumerable data property, whatever its name (`__proto__` included). */
export function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

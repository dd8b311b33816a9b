// Where an HTTP model lives and how to reach it: base URL rules, the API key from the env, one bounded POST.
import type { Redactor } from '../observe/redact.js';
import { baseUrlProblem, isLoopbackHostname } from './emergency-schema.js';
import { readBodyUpTo } from '../platform/bounded-body.js';

export interface Endpoint {
  baseUrl: string;
  apiKey?: string;
}

/** Resolves the base URL and key; throws with a reason a human can act on. */
export function resolveEndpoint(
  baseUrl: string,
  apiKeyEnv: string,
  env: Record<string, string | undefined>,
  redactor: Redactor,
): Endpoint {
  const problem = baseUrlProblem(baseUrl);
  if (problem) throw new Error(`baseUrl ${baseUrl}: ${problem}`);
  const apiKey = env[apiKeyEnv];
  if (apiKey) redactor.addSecret(apiKey);
  if (!apiKey && !isLoopbackHostname(new URL(baseUrl).hostname)) {
    throw new Error(`environment variable ${apiKeyEnv} is not set (needed for ${new URL(baseUrl).host})`);
  }
  return { baseUrl: baseUrl.replace(/\/+$/, ''), apiKey: apiKey || undefined };
}

/** Bytes of a model's answer read at most. */
const MAX_RESPONSE_CHARS = 4_000_000;

/** POSTs JSON and returns the parsed JSON answer; non-2xx answers throw with a redacted snippet. */
export async function postJson(url: string, headers: Record<string, string>, body: unknown, signal: AbortSignal, redactor: Redactor): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(body),
    signal,
    redirect: 'error',
  });
  const answer = await readBodyUpTo(res, MAX_RESPONSE_CHARS);
  if (answer.truncated) throw new Error(`model answer too large (${answer.text === '' ? `${answer.bytes} bytes declared` : 'more sent'}, at most ${MAX_RESPONSE_CHARS} bytes)`);
  const text = answer.text;
  if (!res.ok) throw new Error(`model endpoint answered ${res.status}: ${redactor.redact(text.slice(0, 300))}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`model endpoint answered non-JSON: ${redactor.redact(text.slice(0, 200))}`);
  }
}

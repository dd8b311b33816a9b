// OpenAI-compatible chat completions with tool calls (OpenAI, Ollama, vLLM, LM Studio, OpenRouter), Clawback's tools only.
import type { AgentAdapter, AgentRunResult, AgentSession } from './agent-adapter.js';
import { DEFAULT_API_KEY_ENV, DEFAULT_BASE_URLS } from './emergency-schema.js';
import { postJson, resolveEndpoint, retryFor } from './api-endpoint.js';
import { API_SYSTEM_PROMPT, runToolLoop, type ChatProtocol, type ModelCall, type ModelTurn } from './tool-loop.js';
import { toolSpecsFor } from './tool-set.js';

export const OPENAI_DEFAULT_MODEL = 'gpt-4.1';

interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

export interface OpenAiAdapterOptions {
  /** Where the API key is read from (default process.env). */
  env?: Record<string, string | undefined>;
}

function asTurn(raw: unknown): { message: ChatMessage; turn: ModelTurn } {
  const choice = (raw as { choices?: Array<{ message?: Record<string, unknown> }> })?.choices?.[0]?.message;
  if (!choice || typeof choice !== 'object') throw new Error('model answer has no choices[0].message');
  // Besides a string: an array of text parts (some compatible servers), or none and a `refusal` (OpenAI's safety refusal),
  // which used to end the run as "(the model ended without a summary)", the model's words lost.
  const parts = Array.isArray(choice.content) ? (choice.content as Array<{ text?: unknown }>).map((p) => (typeof p?.text === 'string' ? p.text : '')).join('') : '';
  const said = typeof choice.content === 'string' ? choice.content : parts;
  const content = said || (typeof choice.refusal === 'string' && choice.refusal ? `the model refused: ${choice.refusal}` : '');
  const rawCalls = Array.isArray(choice.tool_calls) ? (choice.tool_calls as Array<Record<string, unknown>>) : [];
  const calls: ModelCall[] = [];
  const echoed: NonNullable<ChatMessage['tool_calls']> = [];
  rawCalls.forEach((c, i) => {
    const fn = (c.function ?? {}) as { name?: unknown; arguments?: unknown };
    const id = typeof c.id === 'string' && c.id ? c.id : `call_${i}`;
    const name = typeof fn.name === 'string' ? fn.name : '';
    const args = typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {});
    calls.push({ id, name, rawArgs: fn.arguments });
    echoed.push({ id, type: 'function', function: { name, arguments: args } });
  });
  const message: ChatMessage = { role: 'assistant', content: content || null };
  if (echoed.length > 0) message.tool_calls = echoed;
  return { message, turn: { text: content, calls } };
}

export class OpenAiAdapter implements AgentAdapter {
  readonly name = 'openai';
  constructor(private readonly opts: OpenAiAdapterOptions = {}) {}

  async run(session: AgentSession): Promise<AgentRunResult> {
    const cfg = session.config;
    let endpoint;
    try {
      endpoint = resolveEndpoint(cfg.baseUrl ?? DEFAULT_BASE_URLS.openai, cfg.apiKeyEnv ?? DEFAULT_API_KEY_ENV.openai, this.opts.env ?? process.env, session.redactor);
    } catch (e) {
      return { status: 'failed', summary: `cannot start: ${(e as Error).message}`, transcript: '', refused: [] };
    }
    const url = `${endpoint.baseUrl}/chat/completions`;
    const headers: Record<string, string> = endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {};
    const tools = toolSpecsFor(session.mode).map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
    const messages: ChatMessage[] = [
      { role: 'system', content: API_SYSTEM_PROMPT },
      { role: 'user', content: session.prompt },
    ];
    const proto: ChatProtocol = {
      async send(signal, note) {
        const raw = await postJson(url, headers, { model: cfg.model ?? OPENAI_DEFAULT_MODEL, messages, tools, tool_choice: 'auto' }, signal, session.redactor, retryFor(session, note));
        const { message, turn } = asTurn(raw);
        messages.push(message);
        return turn;
      },
      addResults(results) {
        for (const { call, outcome } of results) messages.push({ role: 'tool', tool_call_id: call.id, content: outcome.content });
      },
    };
    return runToolLoop(session, proto, url);
  }
}

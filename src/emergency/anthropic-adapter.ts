// Anthropic Messages API with tool_use blocks, driving only Clawback's tools.
import type { AgentAdapter, AgentRunResult, AgentSession } from './agent-adapter.js';
import { DEFAULT_API_KEY_ENV, DEFAULT_BASE_URLS } from './emergency-schema.js';
import { postJson, resolveEndpoint, retryFor } from './api-endpoint.js';
import { API_SYSTEM_PROMPT, runToolLoop, type ChatProtocol, type ModelCall } from './tool-loop.js';
import { toolSpecsFor } from './tool-set.js';

export const ANTHROPIC_DEFAULT_MODEL = 'claude-sonnet-4-5';
/** The Messages API version header value (documented as required on every request). */
export const ANTHROPIC_VERSION = '2023-06-01';

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown } | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean };

interface Message {
  role: 'user' | 'assistant';
  content: string | Block[];
}

export interface AnthropicAdapterOptions {
  env?: Record<string, string | undefined>;
  maxTokens?: number;
}

export class AnthropicAdapter implements AgentAdapter {
  readonly name = 'anthropic';
  constructor(private readonly opts: AnthropicAdapterOptions = {}) {}

  async run(session: AgentSession): Promise<AgentRunResult> {
    const cfg = session.config;
    let endpoint;
    try {
      endpoint = resolveEndpoint(cfg.baseUrl ?? DEFAULT_BASE_URLS.anthropic, cfg.apiKeyEnv ?? DEFAULT_API_KEY_ENV.anthropic, this.opts.env ?? process.env, session.redactor);
    } catch (e) {
      return { status: 'failed', summary: `cannot start: ${(e as Error).message}`, transcript: '', refused: [] };
    }
    const url = `${endpoint.baseUrl}/v1/messages`;
    const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION };
    if (endpoint.apiKey) headers['x-api-key'] = endpoint.apiKey;
    const tools = toolSpecsFor(session.mode).map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters }));
    const messages: Message[] = [{ role: 'user', content: session.prompt }];
    const maxTokens = this.opts.maxTokens ?? 4096;
    const proto: ChatProtocol = {
      async send(signal, note) {
        const raw = (await postJson(
          url,
          headers,
          { model: cfg.model ?? ANTHROPIC_DEFAULT_MODEL, max_tokens: maxTokens, system: API_SYSTEM_PROMPT, messages, tools },
          signal,
          session.redactor,
          retryFor(session, note),
        )) as { content?: unknown };
        if (!Array.isArray(raw?.content)) throw new Error('model answer has no content array');
        const blocks: Block[] = [];
        const calls: ModelCall[] = [];
        let text = '';
        for (const b of raw.content as Array<Record<string, unknown>>) {
          if (b.type === 'text' && typeof b.text === 'string') {
            text += b.text;
            blocks.push({ type: 'text', text: b.text });
          } else if (b.type === 'tool_use') {
            const id = typeof b.id === 'string' ? b.id : `toolu_${calls.length}`;
            const name = typeof b.name === 'string' ? b.name : '';
            calls.push({ id, name, rawArgs: b.input });
            blocks.push({ type: 'tool_use', id, name, input: b.input ?? {} });
          }
        }
        messages.push({ role: 'assistant', content: blocks.length > 0 ? blocks : [{ type: 'text', text: '' }] });
        return { text, calls };
      },
      addResults(results) {
        messages.push({
          role: 'user',
          content: results.map(({ call, outcome }) => ({ type: 'tool_result' as const, tool_use_id: call.id, content: outcome.content, is_error: outcome.isError })),
        });
      },
    };
    return runToolLoop(session, proto, url);
  }
}

// Adapter name -> adapter: the one place that knows every kind of agent Level 3 can call.
import type { AgentAdapter } from './agent-adapter.js';
import type { AdapterName } from './emergency-schema.js';
import type { CliAgentOptions } from './cli-agent.js';
import { claudeAdapter } from './claude-adapter.js';
import { codexAdapter } from './codex-adapter.js';
import { geminiAdapter } from './gemini-adapter.js';
import { commandAdapter } from './command-adapter.js';
import { OpenAiAdapter } from './openai-adapter.js';
import { AnthropicAdapter } from './anthropic-adapter.js';

export interface AdapterFactoryOptions {
  cli?: CliAgentOptions;
  /** Env the HTTP adapters read their API key from (default process.env). */
  env?: Record<string, string | undefined>;
}

export function createAdapter(name: AdapterName, opts: AdapterFactoryOptions = {}): AgentAdapter {
  switch (name) {
    case 'claude':
      return claudeAdapter(opts.cli);
    case 'codex':
      return codexAdapter(opts.cli);
    case 'gemini':
      return geminiAdapter(opts.cli);
    case 'command':
      return commandAdapter(opts.cli);
    case 'openai':
      return new OpenAiAdapter({ env: opts.env });
    case 'anthropic':
      return new AnthropicAdapter({ env: opts.env });
  }
}

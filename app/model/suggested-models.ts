/** Hub models known to work with SafeTune's architectures (Llama, Qwen2, Qwen3), smallest first. */
export const SUGGESTED_HUB_MODELS: readonly { repoId: string; note: string }[] = [
  { repoId: 'HuggingFaceTB/SmolLM2-135M-Instruct', note: 'Llama, 135 M, ~540 MB download' },
  { repoId: 'HuggingFaceTB/SmolLM2-360M-Instruct', note: 'Llama, 360 M, ~1.4 GB' },
  { repoId: 'Qwen/Qwen2.5-0.5B-Instruct', note: 'Qwen2, 494 M, ~1 GB' },
  { repoId: 'Qwen/Qwen3-0.6B', note: 'Qwen3, 596 M, ~1.5 GB' },
  { repoId: 'TinyLlama/TinyLlama-1.1B-Chat-v1.0', note: 'Llama, 1.1 B, ~2.2 GB' },
  { repoId: 'meta-llama/Llama-3.2-1B-Instruct', note: 'Llama, 1.2 B, ~2.5 GB, gated: needs an access token' },
];

/** "owner/name", as the hub spells repo ids; the message says what is wrong with anything else. */
export function checkRepoId(text: string): string | undefined {
  const id = text.trim();
  if (id === '') return 'Enter a model id such as HuggingFaceTB/SmolLM2-135M-Instruct.';
  if (!/^[\w.-]+\/[\w.-]+$/.test(id)) return `"${id}" is not a Hugging Face model id: write it as owner/name, e.g. Qwen/Qwen3-0.6B.`;
  return undefined;
}

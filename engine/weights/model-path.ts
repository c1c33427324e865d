import { SafeTuneError } from '../errors';

/**
 * Whether `path` is a plain relative path inside a model folder ("config.json", "onnx/model.onnx"). Paths come from
 * untrusted files too (a shard name in model.safetensors.index.json), so "../x", "/etc/x" or "a//b" must never reach
 * a file system or a URL.
 */
export function isModelPath(path: string): boolean {
  if (path.length === 0 || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** Throws SafeTuneError('bad-argument') unless `path` is a plain relative path inside the model folder. */
export function checkModelPath(path: string, where: string): void {
  if (!isModelPath(path)) {
    throw new SafeTuneError(
      'bad-argument',
      `"${path}" is not a file path inside ${where}`,
      'Use a relative path such as "config.json" or "model-00001-of-00002.safetensors", without "..", "\\" or a leading "/".',
    );
  }
}

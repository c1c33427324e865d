/** Typed reads of config.json fields: each failure names the key and says what to fix. */
import { SafeTuneError } from '../../engine/errors';

export function configError(message: string, hint: string): SafeTuneError {
  return new SafeTuneError('bad-config', `config.json: ${message}`, hint);
}

export function readPositiveInt(config: Record<string, unknown>, key: string, fallback?: number): number {
  const value = config[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw configError(`"${key}" must be a positive integer, got ${JSON.stringify(value)}`, `set "${key}" in config.json`);
  }
  return value;
}

export function readNonNegativeInt(config: Record<string, unknown>, key: string, fallback?: number): number {
  const value = config[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw configError(`"${key}" must be a non-negative integer, got ${JSON.stringify(value)}`, `fix "${key}" in config.json`);
  }
  return value;
}

export function readNumber(config: Record<string, unknown>, key: string, fallback?: number): number {
  const value = config[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw configError(`"${key}" must be a finite number, got ${JSON.stringify(value)}`, `set "${key}" in config.json`);
  }
  return value;
}

export function readBoolean(config: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = config[key] ?? fallback;
  if (typeof value !== 'boolean') {
    throw configError(`"${key}" must be true or false, got ${JSON.stringify(value)}`, `fix "${key}" in config.json`);
  }
  return value;
}

export function readNonNegativeNumber(config: Record<string, unknown>, key: string, fallback?: number): number {
  const value = readNumber(config, key, fallback);
  if (value < 0) throw configError(`"${key}" must not be negative, got ${value}`, `fix "${key}" in config.json`);
  return value;
}

import { expect } from 'vitest';
import { SafeTuneError } from '../../../engine/errors';
import type { HubFiles } from '../../../engine/weights/hub-files';

/** The SafeTuneError a promise rejects with (the test fails if it resolves or rejects with anything else). */
export async function caught(promise: Promise<unknown>): Promise<SafeTuneError> {
  const e = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(SafeTuneError);
  return e as SafeTuneError;
}

/** Every byte of one hub file, through the client's download, cache and resume logic. */
export async function readAll(files: HubFiles, path: string): Promise<Uint8Array> {
  const source = await files.open(path);
  return source.read(0, source.size);
}

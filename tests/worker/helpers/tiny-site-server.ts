import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll } from 'vitest';
import { StaticServer } from './static-server';
import { tinySite } from './site';

/**
 * Serves the tiny site (tinySite) over HTTP for the test file that calls this; `base()` is its address once up.
 * `without`: paths of the site left out (a deployment that lacks them).
 */
export function serveTinySite(without: readonly string[] = []): { base: () => string } {
  let server: StaticServer | undefined;
  beforeAll(async () => {
    tf.env().set('PROD', true); // tfjs's console advice is noise in test output
    const files = tinySite();
    for (const path of without) files.delete(path);
    server = await StaticServer.start(files);
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    base: () => {
      if (server === undefined) throw new Error('the tiny site is served from beforeAll on');
      return server.base;
    },
  };
}

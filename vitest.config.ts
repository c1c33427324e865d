import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Dawn (the `webgpu` addon) and tfjs keep process-global state: one process per test file, files one after another
    // on these 2-core machines so the software GPU is not shared.
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

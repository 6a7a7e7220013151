import { defineConfig } from 'vitest/config';

export default defineConfig({
  // One runtime at a time: each file starts a runtime (Bun, Deno, workerd, Chromium) next to the
  // simulators, and the machine has two cores.
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 180_000, fileParallelism: false },
});

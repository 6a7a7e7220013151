import { fileURLToPath, pathToFileURL } from 'node:url';
import { countSchemasBuilt } from '@kakehashi/testkit';
import { describe, expect, it } from 'vitest';

describe('import cost', () => {
  it('importing the package builds no zod schema; creating a client builds them', () => {
    const { byImport, byFirstUse, stderr } = countSchemasBuilt({
      entry: pathToFileURL(fileURLToPath(new URL('../dist/index.js', import.meta.url))).href,
      firstUse: "sdk.createCodeer({ apiKey: 'key' })",
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    expect(stderr).toBe('');
    expect(byImport).toBe(0);
    expect(byFirstUse).toBeGreaterThan(0);
  });
});

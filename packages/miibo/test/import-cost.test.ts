import { fileURLToPath, pathToFileURL } from 'node:url';
import { countSchemasBuilt, packagesLoaded } from '@kakehashi/testkit';
import { describe, expect, it } from 'vitest';

const probe = {
  entry: pathToFileURL(fileURLToPath(new URL('../dist/index.js', import.meta.url))).href,
  firstUse: "sdk.createMiibo({ apiKey: 'key', agentId: 'agent' })",
  cwd: fileURLToPath(new URL('..', import.meta.url)),
};

describe('import cost', () => {
  it('importing the package builds no zod schema; creating a client builds them', () => {
    const { byImport, byFirstUse, stderr } = countSchemasBuilt(probe);
    expect(stderr).toBe('');
    expect(byImport).toBe(0);
    expect(byFirstUse).toBeGreaterThan(0);
  });

  it('zod is bundled: importing the package and creating a client load no file of the zod package', () => {
    const { packages, stderr } = packagesLoaded(probe);
    expect(stderr).toBe('');
    expect(packages).toContain('@kakehashi/miibo');
    expect(packages).not.toContain('zod');
  });
});

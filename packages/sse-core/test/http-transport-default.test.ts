import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

// In a fresh Node process (module loading is per process): a resolve hook records every time undici
// is asked for, around importing sse-core and sending one request over the default transport.
const probe = `
import { registerHooks } from 'node:module';
import { createServer } from 'node:http';
const asked = [];
registerHooks({
  resolve(specifier, context, next) {
    if (specifier === 'undici') asked.push(specifier);
    return next(specifier, context);
  },
});
const core = await import('@kakehashi/sse-core');
const afterImport = asked.length;
const server = createServer((_req, res) => res.end('ok'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const res = await core.httpRequest({ url: 'http://127.0.0.1:' + server.address().port + '/' });
const text = await res.text();
const second = await (await core.httpRequest({ url: 'http://127.0.0.1:' + server.address().port + '/' })).text();
server.close();
console.log(JSON.stringify({ afterImport, afterRequests: asked.length, text, second, name: core.defaultTransportName() }));
`;

describe('the default transport on Node', () => {
  it('loads undici on the first request, not when sse-core is imported, and only once', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe], {
      cwd: packageDir,
    });
    expect(JSON.parse(stdout)).toEqual({ afterImport: 0, afterRequests: 1, text: 'ok', second: 'ok', name: 'undici' });
  });
});

// What one streaming chat call costs a browser page: the same one-call script written with each
// library, bundled by esbuild for the browser (platform 'browser', ESM, minified, tree-shaken), then
// gzipped (node:zlib, level 9). Bytes, not time. Contenders:
//   openai (baseline):  openai-node, client.chat.completions.create({ stream: true }), deltas appended
//   ai-sdk (baseline):  ai's streamText over @ai-sdk/openai-compatible, textStream appended
//   floor:              fetch + TextDecoderStream + hand-split SSE lines + JSON.parse (no library)
//   @kakehashi/codeer:  createCodeer().streamChat(), agentEvents() text deltas appended
//   @kakehashi/miibo:   createMiibo().streamChat(), agentEvents() text deltas and rewrites applied
//   @kakehashi/codeer + zod: the codeer script on a page that also checks a value with its own zod
// A contender that does not build for the browser is reported with the imports that stopped it (the
// importing file and the module it asked for): that is the finding, and it gets no size. Below each
// such failure, the same bundle with exactly those modules left external is sized as a lower bound of
// what the package would weigh once they are out of its browser path; that bundle does not run in a
// browser, and the line says so. Last, where a kakehashi bundle's bytes come from: the chat SDKs
// bundle the parts of zod they use into their dist, which esbuild's metafile counts as the SDK's own,
// so the same script is bundled once more from the packages' TypeScript sources (an esbuild plugin
// resolves `@kakehashi/<name>` to `packages/<name>/src/index.ts`), where zod is an input of its own.
// Run: npm run bench -- bundle-size (after npm run build; the packages are bundled from their dist).
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
// `ai` and `@ai-sdk/openai-compatible` are the server app's dev dependencies (its tests drive the
// gateway with them), so their scripts resolve from there; everything else from the root.
const serverDir = dirname(createRequire(import.meta.url).resolve('../apps/server/package.json'));

const contenders = {
  openai: {
    resolveDir: root,
    code: `import OpenAI from 'openai';
const client = new OpenAI({ apiKey: 'sk-demo', baseURL: 'https://gateway.example/v1', dangerouslyAllowBrowser: true });
const stream = await client.chat.completions.create({ model: 'codeer/agent', messages: [{ role: 'user', content: 'こんにちは' }], stream: true });
for await (const chunk of stream) document.body.append(chunk.choices[0]?.delta?.content ?? '');`,
  },
  'ai-sdk': {
    resolveDir: serverDir,
    code: `import { streamText } from 'ai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
const provider = createOpenAICompatible({ name: 'gateway', baseURL: 'https://gateway.example/v1', apiKey: 'sk-demo' });
const result = streamText({ model: provider('codeer/agent'), prompt: 'こんにちは' });
for await (const text of result.textStream) document.body.append(text);`,
  },
  floor: {
    resolveDir: root,
    code: `const res = await fetch('https://gateway.example/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-demo' }, body: JSON.stringify({ model: 'codeer/agent', messages: [{ role: 'user', content: 'こんにちは' }], stream: true }) });
let buffered = '';
for await (const piece of res.body.pipeThrough(new TextDecoderStream())) {
  const lines = (buffered + piece).split(/\\r?\\n/);
  buffered = lines.pop();
  for (const line of lines) {
    if (!line.startsWith('data:') || line.includes('[DONE]')) continue;
    document.body.append(JSON.parse(line.slice(5)).choices[0]?.delta?.content ?? '');
  }
}`,
  },
  '@kakehashi/codeer': {
    resolveDir: root,
    code: `import { createCodeer } from '@kakehashi/codeer';
const codeer = createCodeer({ apiKey: 'demo-key', baseURL: 'https://codeer.example/api/v1', agentId: 'agent' });
const stream = await codeer.streamChat({ message: 'こんにちは' });
for await (const event of stream.agentEvents()) if (event.type === 'text-delta') document.body.append(event.delta);`,
  },
  '@kakehashi/miibo': {
    resolveDir: root,
    code: `import { createMiibo } from '@kakehashi/miibo';
const miibo = createMiibo({ apiKey: 'demo-key', baseURL: 'https://miibo.example', agentId: 'agent' });
const stream = await miibo.streamChat({ utterance: 'こんにちは', uid: 'user-1' });
const out = document.body;
for await (const event of stream.agentEvents()) {
  if (event.type === 'text-delta') out.append(event.delta);
  if (event.type === 'text-replace') out.textContent = event.text;
}`,
  },
  // A page that uses zod itself: the SDK's bundled zod is a second copy beside the page's.
  '@kakehashi/codeer + zod': {
    resolveDir: root,
    code: `import { createCodeer } from '@kakehashi/codeer';
import * as z from 'zod';
const { agentId } = z.object({ agentId: z.string().min(1) }).parse({ agentId: document.body.dataset.agent ?? 'agent' });
const codeer = createCodeer({ apiKey: 'demo-key', baseURL: 'https://codeer.example/api/v1', agentId });
const stream = await codeer.streamChat({ message: 'こんにちは' });
for await (const event of stream.agentEvents()) if (event.type === 'text-delta') document.body.append(event.delta);`,
  },
};
const BASELINES = ['openai', 'ai-sdk'];

// Resolves the workspace packages to their sources (the breakdown; see the header).
const fromSources = {
  name: 'workspace-sources',
  setup(b) {
    b.onResolve({ filter: /^@kakehashi\/[^/]+$/ }, (args) => ({
      path: join(root, 'packages', args.path.slice('@kakehashi/'.length), 'src/index.ts'),
    }));
  },
};

async function bundle({ code, resolveDir }, external = [], plugins = []) {
  const result = await build({
    stdin: { contents: code, resolveDir, sourcefile: 'one-call.js', loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    treeShaking: true,
    write: false,
    metafile: true,
    external,
    plugins,
    logLevel: 'silent',
  });
  const bytes = result.outputFiles[0].contents;
  const inputs = Object.entries(result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].inputs)
    .map(([file, { bytesInOutput }]) => [packageOf(file), bytesInOutput])
    .reduce((acc, [name, n]) => acc.set(name, (acc.get(name) ?? 0) + n), new Map());
  return { minified: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, inputs };
}

// `node_modules/.pnpm/zod@4.6.7/node_modules/zod/v4/core/x.js` -> `zod`; workspace dist -> its package.
function packageOf(file) {
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const ws = /(?:^|\/)(packages|apps)\/([^/]+)\//.exec(file);
  return ws ? `@kakehashi/${ws[2]}` : '(the script)';
}

function failureOf(error) {
  return (error.errors ?? [{ text: String(error) }]).map((e) => ({
    text: e.text,
    importer: e.location ? relative(root, e.location.file) : '(entry)',
    line: e.location?.lineText?.trim(),
    module: /Could not resolve "([^"]+)"/.exec(e.text)?.[1],
  }));
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const top = (inputs) =>
  [...inputs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, n]) => `${name} ${kb(n)}`)
    .join(', ');

console.log(`esbuild ${(await import('esbuild')).version}, platform browser, ESM, minified; gzip level 9`);
const sizes = {};
const failures = {};
for (const [name, contender] of Object.entries(contenders)) {
  try {
    sizes[name] = await bundle(contender);
  } catch (error) {
    failures[name] = failureOf(error);
  }
}

console.log('\nOne streaming chat call in a browser bundle (min = minified bytes, min+gz = gzipped):');
for (const [name, size] of Object.entries(sizes)) {
  const ratios = BASELINES.filter((b) => sizes[b])
    .map((b) => (b === name ? '(baseline)' : `${(size.gzip / sizes[b].gzip).toFixed(2)}x of ${b}`))
    .join('   ');
  console.log(
    `  ${name.padEnd(20)} min ${kb(size.minified).padStart(10)}   min+gz ${kb(size.gzip).padStart(9)}   ${ratios}`,
  );
  console.log(`  ${''.padEnd(20)} largest inputs (minified): ${top(size.inputs)}`);
}

for (const [name, errors] of Object.entries(failures)) {
  console.log(`\n  ${name}: DOES NOT BUILD for the browser (${errors.length} error${errors.length === 1 ? '' : 's'}):`);
  // One line per importing file and message (a dependency that pulls in Node built-ins can fail many times).
  const seen = new Map();
  for (const e of errors) {
    const key = `${e.importer}: ${e.text}`;
    seen.set(key, { e, count: (seen.get(key)?.count ?? 0) + 1 });
  }
  for (const [key, { e, count }] of seen) {
    console.log(`    ${key}${count > 1 ? ` (${count} times)` : ''}${e.line ? `   <- ${e.line}` : ''}`);
  }
  const modules = [...new Set(errors.map((e) => e.module).filter(Boolean))];
  if (!errors.every((e) => e.module)) continue;
  try {
    const bound = await bundle(contenders[name], modules);
    const ratios = BASELINES.filter((b) => sizes[b])
      .map((b) => `${(bound.gzip / sizes[b].gzip).toFixed(2)}x of ${b}`)
      .join('   ');
    console.log(
      `    with ${modules.map((m) => `"${m}"`).join(', ')} external (does NOT run in a browser; a lower bound): min ${kb(bound.minified)}   min+gz ${kb(bound.gzip)}   ${ratios}`,
    );
    console.log(`    largest inputs (minified): ${top(bound.inputs)}`);
  } catch (error) {
    console.log(`    still fails with those external: ${failureOf(error)[0]?.text}`);
  }
}

console.log("\nWhere the kakehashi bytes come from (bundled from the packages' sources, zod counted apart):");
for (const name of Object.keys(contenders).filter((n) => n.startsWith('@kakehashi/') && sizes[n])) {
  try {
    const parts = await bundle(contenders[name], [], [fromSources]);
    const total = [...parts.inputs.values()].reduce((sum, n) => sum + n, 0);
    const zod = parts.inputs.get('zod') ?? 0;
    console.log(
      `  ${name.padEnd(20)} min ${kb(parts.minified).padStart(10)}   min+gz ${kb(parts.gzip).padStart(9)}   zod ${((zod / total) * 100).toFixed(0)}% of the minified bytes`,
    );
    console.log(`  ${''.padEnd(20)} largest inputs (minified): ${top(parts.inputs)}`);
  } catch (error) {
    console.log(`  ${name}: fails from sources: ${failureOf(error)[0]?.text}`);
  }
}

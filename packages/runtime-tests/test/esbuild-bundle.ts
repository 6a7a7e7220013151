/**
 * esbuild bundles of the fixtures, the SDKs taken from their dist as an application's bundler would:
 * for workerd (Cloudflare's build conditions) and for browsers. A bundle that pulls in a Node
 * built-in fails here, at build time, as it would for a user.
 */
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { fixturesDir } from './runtime-harness';

export interface Bundle {
  code: string;
  /** Every input file, for checks of what a bundle holds. */
  inputs: string[];
}

export async function bundle(entry: string, target: 'workerd' | 'workerd-nodejs-compat' | 'browser'): Promise<Bundle> {
  const result = await build({
    entryPoints: [join(fixturesDir, entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // What wrangler asks for on Workers; a plain browser build otherwise.
    conditions: target === 'browser' ? ['browser'] : ['workerd', 'worker', 'browser'],
    // With nodejs_compat, workerd itself serves node:* (as wrangler leaves them to it).
    external: target === 'workerd-nodejs-compat' ? ['node:*'] : [],
    metafile: true,
    logLevel: 'silent',
  });
  const metafile = result.metafile as Metafile;
  return { code: result.outputFiles[0]!.text, inputs: Object.keys(metafile.inputs) };
}

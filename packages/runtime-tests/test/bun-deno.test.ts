/**
 * The SDKs on Bun and Deno, run from their dist as an application would import them (through
 * node_modules), with the default transport and no option set. Deno gets the least permissions:
 * `--allow-net=127.0.0.1` and nothing else (no --allow-env, no --allow-read), so importing every
 * package must need no permission and read no environment variable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AGENTICSTAR_CASES,
  NODE_COMPAT_CASES,
  WEB_CASES,
  bareEnv,
  checkCase,
  parseResults,
  runProcess,
  runtimeBinary,
  startSimulators,
  type CaseResult,
  type ProcessOutcome,
  type Simulators,
} from './runtime-harness';

const ALL_CASES = [...WEB_CASES, ...AGENTICSTAR_CASES, ...NODE_COMPAT_CASES];

const runtimes: [string, (config: string) => [string, string[]]][] = [
  ['Bun', (config) => [runtimeBinary('bun'), ['fixtures/run-cases.mjs', config]]],
  [
    'Deno (--allow-net=127.0.0.1 only)',
    (config) => [
      runtimeBinary('deno'),
      ['run', '--no-prompt', '--no-lock', '--allow-net=127.0.0.1', 'fixtures/run-cases.mjs', config],
    ],
  ],
];

describe.each(runtimes)('%s', (name, command) => {
  let sims: Simulators;
  let outcome: ProcessOutcome;
  let results: Record<string, CaseResult> | undefined;

  beforeAll(async () => {
    sims = await startSimulators();
    const [file, args] = command(JSON.stringify(sims.config));
    outcome = await runProcess(file, args, { env: bareEnv({ DENO_NO_UPDATE_CHECK: '1' }), timeoutMs: 90_000 });
    results = parseResults(outcome);
  }, 120_000);
  afterAll(async () => {
    await sims?.close();
  });

  it(`imports every package and runs to the end (exit 0, nothing on stderr)`, () => {
    expect({ code: outcome.code, stderr: outcome.stderr }).toEqual({ code: 0, stderr: '' });
    expect(Object.keys(results ?? {})).toEqual(ALL_CASES);
  });

  it.each(ALL_CASES)('%s', async (caseName) => {
    await checkCase(results, caseName, sims);
  });

  void name;
});

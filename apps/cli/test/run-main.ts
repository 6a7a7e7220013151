import { Readable } from 'node:stream';
import { type CliOptions, main } from '../src/index';
import { RecordingStream } from './fake-terminal';

/** What a run of {@link runMain} left. */
export interface MainRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process with piped (non-terminal) streams, an empty stdin and `NO_COLOR`, unless `options` say otherwise. */
export async function runMain(argv: string[], options: CliOptions = {}): Promise<MainRun> {
  const stdout = new RecordingStream();
  const stderr = new RecordingStream();
  const code = await main(argv, {
    env: { NO_COLOR: '1' },
    stdin: Readable.from([]),
    stdout,
    stderr,
    ...options,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

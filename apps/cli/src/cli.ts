import { OutputClosedError } from './cli-errors';
import { main } from './cli-main';

// Ctrl-C cancels what runs (the turn's cancel(): the request is aborted, the connection closed); a
// second Ctrl-C exits at once. (An interactive session on a terminal reads Ctrl-C itself: it cancels
// the answer and keeps the session; see cli-chat.ts.)
const controller = new AbortController();
let interrupts = 0;
const onSigint = (): void => {
  interrupts++;
  if (interrupts > 1) process.exit(130);
  controller.abort(new Error('cancelled with Ctrl-C'));
};
process.on('SIGINT', onSigint);
// stdout's reader went away (`kakehashi chat … | head -1`): what runs is cancelled at once (the
// request too) and the CLI exits quietly, 0 (see main). Without this listener Node would throw the
// EPIPE with its stack. A stderr that cannot be written any more only loses the status lines.
process.stdout.on('error', (error) => controller.abort(new OutputClosedError(error)));
process.stderr.on('error', () => {});
try {
  process.exitCode = await main(process.argv.slice(2), { signal: controller.signal });
} finally {
  process.off('SIGINT', onSigint);
}

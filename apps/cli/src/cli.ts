import { main } from './cli-main';

// Ctrl-C cancels what runs (the turn's cancel(): the request is aborted, the connection closed); a
// second Ctrl-C exits at once.
const controller = new AbortController();
let interrupts = 0;
const onSigint = (): void => {
  interrupts++;
  if (interrupts > 1) process.exit(130);
  controller.abort(new Error('cancelled with Ctrl-C'));
};
process.on('SIGINT', onSigint);
try {
  process.exitCode = await main(process.argv.slice(2), { signal: controller.signal });
} finally {
  process.off('SIGINT', onSigint);
}

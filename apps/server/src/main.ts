import { createKakehashiServer, type KakehashiServer } from './kakehashi-server';
import { applyServerArgs, SERVER_USAGE } from './server-args';
import { ServerConfigError, serverConfigFromEnv } from './server-config';

// The `kakehashi-server` binary: configuration from the environment, `listening on http://HOST:PORT`
// on stdout when ready (logs go to stderr as JSON lines), graceful shutdown on SIGTERM / SIGINT.
// Exit status: 0 after a clean shutdown, 1 when the server fails, 2 for bad configuration.

function fail(error: unknown): never {
  if (error instanceof ServerConfigError) {
    process.stderr.write(`kakehashi-server: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`kakehashi-server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

let server: KakehashiServer;
try {
  const { env, help } = applyServerArgs(process.argv.slice(2), process.env);
  if (help) {
    process.stdout.write(`${SERVER_USAGE}\n`);
    process.exit(0);
  }
  server = createKakehashiServer(serverConfigFromEnv(env));
} catch (error) {
  fail(error);
}

let signals = 0;
function onSignal(signal: NodeJS.Signals): void {
  signals++;
  if (signals > 1) {
    server.logger.warn({ signal }, 'second signal: exiting at once');
    process.exit(1);
  }
  server.logger.info({ signal }, 'shutting down');
  server.close().then(
    () => process.exit(0),
    (error: unknown) => {
      server.logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
}
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);

try {
  const { url } = await server.listen();
  process.stdout.write(`listening on ${url}\n`);
} catch (error) {
  await server.close(0).catch(() => {});
  fail(error);
}

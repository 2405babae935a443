import { ConfigError, loadConfig } from './config/config';
import { startBerth } from './bootstrap';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee the configuration table in README.md.\n`);
      process.exit(2);
    }
    throw err;
  }
  const started = Date.now();
  const berth = await startBerth(config);
  // stdout carries the JSON logs; the human banner goes to stderr.
  process.stderr.write(
    `\nBerth is ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
      `  console and registry: ${config.publicUrl}\n` +
      `  docker push ${new URL(config.publicUrl).host}/library/<image>:<tag>\n` +
      (config.databaseUrl ? '' : `  embedded PostgreSQL data: ${config.dataDir}\n`) +
      `  docker login ${new URL(config.publicUrl).host}   (user admin; the public library project needs no login to pull)\n\n`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting without waiting\n`);
      berth.abort();
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`${signal} received: finishing in-flight requests, then stopping\n`);
    berth.close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`Berth could not start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

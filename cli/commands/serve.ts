import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ApiEvent } from '../../core/common/contract';
import { createWorkerBackend } from '../../core/node/app/workerBackend';
import type { ServePtyHost } from '../../core/node/serve/serveTypes';
import { startServe } from '../../core/node/serve/startServe';
import { CliError, parse, type Options } from '../args';
import { writeStdout } from '../output';
import { SERVE_HELP } from '../usage';
import { toolVersion } from '../version';
import { demoSnapshotDir } from './demo';

// `proxyscope serve`: the desktop UI in a browser, on 127.0.0.1 only, behind a per-run token
// (core/node/serve/startServe.ts has the rules). Runs until SIGINT or SIGTERM.

const OPTIONS: Options = {
  port: { type: 'string' },
  snapshot: { type: 'string' },
  'allow-terminals': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** out/renderer next to the bundle (out/cli/proxyscope.cjs); PROXYSCOPE_RENDERER_DIR overrides it. */
export function rendererDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.PROXYSCOPE_RENDERER_DIR;
  return override ? resolve(override) : join(__dirname, '..', 'renderer');
}

export function parsePort(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n > 65535) {
    throw new CliError(`--port must be a whole number from 0 to 65535, got ${JSON.stringify(value)}`, true);
  }
  return n;
}

type PtyHostModule = { createPtyHost(emit: (e: ApiEvent) => void): ServePtyHost };

/**
 * The pty host (electron/main/pty/ptyHost.ts: node-pty, never electron), loaded only with
 * --allow-terminals. The specifier is widened to `string` so tsc does not pull the electron
 * folder into the cli project; esbuild still sees the literal and bundles it (node-pty stays
 * external, so it is only required here).
 */
async function loadPtyHost(): Promise<(emit: (e: ApiEvent) => void) => ServePtyHost> {
  try {
    const mod = (await import('../../electron/main/pty/ptyHost' as string)) as PtyHostModule;
    return (emit) => mod.createPtyHost(emit);
  } catch (err) {
    throw new CliError(`--allow-terminals: cannot load node-pty (${err instanceof Error ? err.message : String(err)})`);
  }
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('serve', argv, OPTIONS);
  if (values.help) {
    await writeStdout(SERVE_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new CliError(`serve: unexpected argument ${JSON.stringify(positionals[0])}`, true);
  const port = parsePort(values.port as string | undefined);
  const staticDir = rendererDir();
  if (!existsSync(join(staticDir, 'index.html'))) {
    throw new CliError(`the browser UI is not built (no index.html in ${staticDir}); run npm run build`);
  }
  const snapshot = values.snapshot as string | undefined;
  if (snapshot !== undefined && !existsSync(snapshot)) throw new CliError(`--snapshot: ${snapshot} does not exist`);
  const ptyHost = values['allow-terminals'] ? await loadPtyHost() : undefined;

  const version = toolVersion();
  // In a worker thread (out/cli/backendWorker.cjs next to this bundle): a big snapshot being
  // analysed does not stall the HTTP server, the event socket or a terminal.
  const backend = createWorkerBackend({
    version,
    demoDir: demoSnapshotDir(),
    ...(snapshot !== undefined ? { initialSnapshot: resolve(snapshot) } : {}),
  });
  if (snapshot !== undefined) {
    // Loaded (and cached by the backend) before serving: a bad snapshot is an error here, not
    // a banner in a page the user has not opened yet.
    const first = await backend.initialSession();
    if (!first.ok) {
      await backend.dispose();
      throw new CliError(`--snapshot: ${first.error.message}`);
    }
  }
  let server;
  try {
    server = await startServe({ backend, staticDir, port, version, ...(ptyHost ? { ptyHost } : {}) });
  } catch (err) {
    await backend.dispose();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${port} is in use; pick another with --port, or 0 for any free one`);
    if (code === 'EACCES') throw new CliError(`not allowed to listen on port ${port}`);
    throw err;
  }
  await writeStdout(
    `Proxyscope is serving on ${server.url}\n` +
      'The URL contains a secret token: anyone who has it can use this session' +
      (ptyHost ? ' and open terminals as you' : '') +
      '. Do not share it.\n' +
      (ptyHost ? 'Terminals are ON (--allow-terminals).\n' : '') +
      'Press Ctrl+C to stop.\n',
  );
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return 0;
}

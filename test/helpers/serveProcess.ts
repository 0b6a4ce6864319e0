import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// `proxyscope serve` as a user runs it: the BUILT CLI (bin/proxyscope.js -> out/cli) serving the
// BUILT renderer (out/renderer), in its own process, with a HOME of its own so nothing from the
// developer's ~/.kube or ~/.ssh leaks into a test. The URL comes from the line the CLI prints.

export const REPO = resolve(__dirname, '..', '..');
/**
 * Where bin/proxyscope.js and out/ are: the repo, unless PROXYSCOPE_E2E_ROOT names another
 * tree with the same layout (a private build, so a test run does not race others over out/).
 */
const ROOT = process.env.PROXYSCOPE_E2E_ROOT ? resolve(process.env.PROXYSCOPE_E2E_ROOT) : REPO;
const CLI_BUNDLE = join(ROOT, 'out', 'cli', 'proxyscope.cjs');
const RENDERER_INDEX = join(ROOT, 'out', 'renderer', 'index.html');
const SERVING_LINE = /Proxyscope is serving on (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+))/;

/**
 * Runs `npm run build` when the CLI bundle or the renderer is missing (`npm test` builds first,
 * so this only matters for `npx vitest run test/e2e`). Test files run in parallel forks: a lock
 * directory makes the others wait for the one that builds.
 */
export function ensureBuilt(): void {
  if (existsSync(CLI_BUNDLE) && existsSync(RENDERER_INDEX)) return;
  if (ROOT !== REPO) throw new Error(`PROXYSCOPE_E2E_ROOT=${ROOT} has no out/cli or out/renderer`);
  const lock = join(REPO, 'out', '.e2e-build-lock');
  mkdirSync(join(REPO, 'out'), { recursive: true });
  let owner = false;
  try {
    mkdirSync(lock);
    owner = true;
  } catch {
    // another test file is building
  }
  if (owner) {
    try {
      execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'pipe', timeout: 300_000 });
    } finally {
      rmdirSync(lock);
    }
    return;
  }
  const deadline = Date.now() + 300_000;
  while (existsSync(lock) && Date.now() < deadline) execFileSync('sleep', ['0.5']);
  if (!existsSync(CLI_BUNDLE) || !existsSync(RENDERER_INDEX)) throw new Error('npm run build did not produce out/cli and out/renderer');
}

export interface ServeOptions {
  snapshot?: string;
  allowTerminals?: boolean;
  /** Contents of $HOME/.kube/config for the served process (Clusters view). */
  kubeconfig?: string;
}

export interface ServeProcess {
  /** `http://127.0.0.1:<port>/?token=<token>` as printed. */
  url: string;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  token: string;
  home: string;
  /** Everything the process printed so far (stdout + stderr). */
  output(): string;
  stop(): Promise<void>;
}

export async function startServeProcess(opts: ServeOptions = {}, timeoutMs = 120_000): Promise<ServeProcess> {
  ensureBuilt();
  const home = mkdtempSync(join(tmpdir(), 'proxyscope-serve-home-'));
  if (opts.kubeconfig !== undefined) {
    mkdirSync(join(home, '.kube'), { recursive: true });
    writeFileSync(join(home, '.kube', 'config'), opts.kubeconfig, { mode: 0o600 });
  }
  const args = [join(ROOT, 'bin', 'proxyscope.js'), 'serve', '--port', '0'];
  if (opts.snapshot) args.push('--snapshot', opts.snapshot);
  if (opts.allowTerminals) args.push('--allow-terminals');
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, NO_COLOR: '1' };
  delete env.KUBECONFIG;
  delete env.SSH_AUTH_SOCK;
  const child: ChildProcess = spawn(process.execPath, args, { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString('utf8')));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  const match = await new Promise<RegExpMatchArray | null>((resolveMatch) => {
    const timer = setTimeout(() => done(null), timeoutMs);
    const check = (): void => {
      const m = SERVING_LINE.exec(log);
      if (m) done(m);
    };
    function done(m: RegExpMatchArray | null): void {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      resolveMatch(m);
    }
    child.stdout?.on('data', check);
    child.once('exit', () => done(SERVING_LINE.exec(log)));
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000))]);
      if (!gone) child.kill('SIGKILL');
    }
    rmSync(home, { recursive: true, force: true });
  };
  if (!match) {
    await stop();
    throw new Error(`proxyscope serve did not print its URL:\n${log}`);
  }
  const port = Number(match[2]);
  return { url: match[1], origin: `http://127.0.0.1:${port}`, port, token: match[3], home, output: () => log, stop };
}

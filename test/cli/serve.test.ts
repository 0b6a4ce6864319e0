import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeStaticDir, rawRequest } from '../core/node/serve/serveKit';

// The BUILT `proxyscope serve` (out/cli/proxyscope.cjs) as a user runs it, against a stand-in
// renderer folder (PROXYSCOPE_RENDERER_DIR) and the real backend with the bundled demo.

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin', 'proxyscope.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const URL_LINE = /^Proxyscope is serving on (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]{43}))$/m;

let fx: Awaited<ReturnType<typeof makeStaticDir>>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/build-cli.mjs'], { cwd: ROOT, stdio: 'pipe' });
  fx = await makeStaticDir();
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(async () => {
  await fx?.cleanup();
});

function env(over: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PROXYSCOPE_RENDERER_DIR: fx.staticDir, ...over };
}

interface Running {
  child: ChildProcess;
  stdout: string;
  url: string;
  port: number;
  token: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts `proxyscope serve ...` and waits for the URL line. */
function serve(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: fx.tmp, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal, stderr })),
  );
  return new Promise((done, failed) => {
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = URL_LINE.exec(stdout);
      if (m && stdout.includes('Ctrl+C')) done({ child, stdout, url: m[1], port: Number(m[2]), token: m[3], exit });
    });
    void exit.then((e) => failed(new Error(`serve exited early (${e.code}): ${e.stderr}`)));
  });
}

describe('proxyscope serve', () => {
  it('prints a working URL, serves the UI and the API, and exits 0 on SIGTERM', async () => {
    const s = await serve(['--port', '0']);
    expect(s.stdout).toContain('The URL contains a secret token');
    const host = `127.0.0.1:${s.port}`;
    const first = await rawRequest(s.port, { path: new URL(s.url).pathname + new URL(s.url).search, headers: { host } });
    expect(first.status).toBe(303);
    const cookie = String(first.headers['set-cookie']?.[0]).split(';')[0];
    expect(cookie).toBe(`proxyscope_token_${s.port}=${s.token}`);
    const page = await rawRequest(s.port, { path: '/', headers: { host, cookie } });
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<meta name="proxyscope-token" content="${s.token}" />`);
    const api = (method: string) =>
      rawRequest(s.port, { method: 'POST', path: `/api/${method}`, headers: { host, cookie, 'x-proxyscope-token': s.token } });
    expect(JSON.parse((await api('appInfo')).body)).toEqual({
      ok: true,
      value: { version: VERSION, runtime: 'browser', terminals: false, nativeDialogs: false },
    });
    expect(JSON.parse((await api('openDemo')).body)).toMatchObject({ ok: true, value: { source: 'demo' } });
    s.child.kill('SIGTERM');
    expect(await s.exit).toMatchObject({ code: 0, signal: null });
  });

  it('loads the pty host with --allow-terminals and says so', async () => {
    const s = await serve(['--allow-terminals']);
    expect(s.stdout).toContain('Terminals are ON');
    const host = `127.0.0.1:${s.port}`;
    const cookie = `proxyscope_token=${s.token}`;
    const r = await rawRequest(s.port, { method: 'POST', path: '/api/appInfo', headers: { host, cookie, 'x-proxyscope-token': s.token } });
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, value: { terminals: true } });
    s.child.kill('SIGINT');
    expect(await s.exit).toMatchObject({ code: 0, signal: null });
  });

  it('opens --snapshot before serving and hands it to the page as the initial session', async () => {
    const s = await serve(['--snapshot', join(ROOT, 'assets', 'demo')]);
    const host = `127.0.0.1:${s.port}`;
    const cookie = `proxyscope_token=${s.token}`;
    const r = await rawRequest(s.port, { method: 'POST', path: '/api/initialSession', headers: { host, cookie, 'x-proxyscope-token': s.token } });
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, value: { hasCluster: true } });
    s.child.kill('SIGTERM');
    expect(await s.exit).toMatchObject({ code: 0 });
  });

  it('exits 2 when --snapshot is not a snapshot', () => {
    const r = spawnSync(process.execPath, [BIN, 'serve', '--snapshot', fx.staticDir], { encoding: 'utf8', env: env(), timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^proxyscope: error: --snapshot: /);
  });

  it('prints its help', () => {
    const r = spawnSync(process.execPath, [BIN, 'serve', '--help'], { encoding: 'utf8', env: env() });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: proxyscope serve');
    expect(r.stdout).toContain('--allow-terminals');
  });

  it.each([
    ['a bad --port', ['--port', '70000'], {}, '--port must be a whole number'],
    ['a negative --port', ['--port', '-1'], {}, '--port'],
    ['a missing --snapshot', ['--snapshot', 'does-not-exist'], {}, '--snapshot: does-not-exist does not exist'],
    ['an unbuilt UI', [], { PROXYSCOPE_RENDERER_DIR: '/nonexistent/renderer' }, 'run npm run build'],
    ['an extra argument', ['x'], {}, 'unexpected argument'],
  ] as const)('exits 2 with one line on %s', (_name, args, over, message) => {
    const r = spawnSync(process.execPath, [BIN, 'serve', ...args], { encoding: 'utf8', env: env(over), timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 when the port is taken', async () => {
    const s = await serve([]);
    const r = spawnSync(process.execPath, [BIN, 'serve', '--port', String(s.port)], { encoding: 'utf8', env: env(), timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`port ${s.port} is in use`);
    s.child.kill('SIGTERM');
    expect(await s.exit).toMatchObject({ code: 0 });
  });
});

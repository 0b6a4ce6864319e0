import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import type { ApiEvent, ApiResult, SessionInfo } from '../../../../core/common/contract';
import { fail, ok } from '../../../../core/common/contract';
import type { Backend, SshTarget } from '../../../../core/node/app/backendTypes';
import type { ServePtyHost } from '../../../../core/node/serve/serveTypes';

// Shared by the serve tests: a stand-in backend and pty host, a static folder with a secret next
// to it (for traversal attempts), and raw HTTP / WebSocket clients that send exactly the headers
// a test names (node's http.request sends the path as given, unnormalised).

export const SESSION: SessionInfo = {
  id: 's1',
  source: 'demo',
  title: 'fake demo',
  hasCluster: true,
  generatedAt: '2025-01-01T00:00:00Z',
  nodes: [],
  counts: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
  limitations: [],
};

export interface FakeBackend extends Backend {
  emit(e: ApiEvent): void;
  calls: { method: string; arg: unknown }[];
  disposed: number;
  listeners(): number;
}

export function fakeBackend(): FakeBackend {
  const listeners = new Set<(e: ApiEvent) => void>();
  const calls: { method: string; arg: unknown }[] = [];
  const notFound = (method: string) => async (arg?: unknown): Promise<ApiResult<never>> => {
    calls.push({ method, arg });
    return fail('not-found', 'fake');
  };
  const b: FakeBackend = {
    calls,
    disposed: 0,
    listeners: () => listeners.size,
    emit: (e) => listeners.forEach((l) => l(e)),
    openDemo: async () => {
      calls.push({ method: 'openDemo', arg: undefined });
      return ok(SESSION);
    },
    importSnapshot: async (req) => {
      calls.push({ method: 'importSnapshot', arg: { fileName: req.fileName, bytes: req.dataBase64.length } });
      return ok({ ...SESSION, source: req.fileName });
    },
    initialSession: async () => ok(null),
    analysis: notFound('analysis'),
    services: notFound('services'),
    nodes: notFound('nodes'),
    serviceDetail: notFound('serviceDetail'),
    ruleFiles: notFound('ruleFiles'),
    ruleText: notFound('ruleText'),
    trace: notFound('trace'),
    exportReport: notFound('exportReport'),
    exportSnapshot: notFound('exportSnapshot'),
    contexts: notFound('contexts'),
    approveExec: notFound('approveExec'),
    startScan: notFound('startScan'),
    cancel: notFound('cancel'),
    onEvent(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    terminalTarget: (req) => (req.node === 'n1' ? ok({ host: '10.0.0.1', port: 22 }) : fail('not-found', 'no such node')),
    async dispose() {
      b.disposed++;
    },
  };
  return b;
}

export interface FakePty extends ServePtyHost {
  opened: { target: SshTarget; cols: number; rows: number }[];
  closedAll: number;
  emit: (e: ApiEvent) => void;
}

/** A factory for startServe's ptyHost option, and the host it made. */
export function fakePty(): { factory: (emit: (e: ApiEvent) => void) => ServePtyHost; host: () => FakePty } {
  let made: FakePty | null = null;
  return {
    factory(emit) {
      const host: FakePty = {
        opened: [],
        closedAll: 0,
        emit,
        open(target, cols, rows) {
          host.opened.push({ target, cols, rows });
          emit({ type: 'terminal-data', terminalId: 't1', data: 'welcome' });
          return ok({ terminalId: 't1' });
        },
        input: (id) => (id === 't1' ? ok(true) : fail('not-found', 'no terminal')),
        resize: (id) => (id === 't1' ? ok(true) : fail('not-found', 'no terminal')),
        close: (id) => (id === 't1' ? ok(true) : fail('not-found', 'no terminal')),
        closeAll() {
          host.closedAll++;
        },
      };
      made = host;
      return host;
    },
    host: () => {
      if (!made) throw new Error('pty host not created');
      return made;
    },
  };
}

/** The CSP of renderer/index.html's meta tag: the served header must carry the same policy. */
export async function rendererMetaCsp(): Promise<string> {
  const html = await readFile(resolve(__dirname, '../../../../renderer/index.html'), 'utf8');
  const m = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
  if (!m) throw new Error('renderer/index.html has no CSP meta');
  return m[1];
}

export const INDEX_HTML =
  '<!doctype html>\n<html>\n  <head>\n    <meta charset="UTF-8" />\n    <title>Proxyscope</title>\n  </head>\n' +
  '  <body><div id="app"></div><script type="module" src="./assets/app.js"></script></body>\n</html>\n';

/**
 * <tmp>/package.json and <tmp>/secret.txt (must never be served), <tmp>/static with index.html,
 * assets/app.js, an empty folder, and a symlink pointing out of the folder.
 */
export async function makeStaticDir(): Promise<{ tmp: string; staticDir: string; cleanup(): Promise<void> }> {
  const tmp = await mkdtemp(join(tmpdir(), 'proxyscope-serve-'));
  const staticDir = join(tmp, 'static');
  await mkdir(join(staticDir, 'assets'), { recursive: true });
  await mkdir(join(staticDir, 'empty'), { recursive: true });
  await writeFile(join(tmp, 'package.json'), '{"SECRET":"outside the static folder"}');
  await writeFile(join(tmp, 'secret.txt'), 'SECRET outside the static folder');
  await writeFile(join(staticDir, 'index.html'), INDEX_HTML);
  await writeFile(join(staticDir, 'assets', 'app.js'), 'console.log("app");\n');
  await symlink(join(tmp, 'secret.txt'), join(staticDir, 'link-out.txt'));
  await symlink(tmp, join(staticDir, 'dir-out'));
  return { tmp, staticDir, cleanup: () => rm(tmp, { recursive: true, force: true }) };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method?: string;
  path: string;
  /** Sent as given; `host: null` sends no Host header at all. */
  headers?: Record<string, string | null>;
  body?: string | Buffer;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
  /** Host to connect to (default 127.0.0.1). */
  address?: string;
}

export function rawRequest(port: number, r: RawRequest): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  let setHost = true;
  for (const [k, v] of Object.entries(r.headers ?? {})) {
    if (k.toLowerCase() === 'host' && v === null) setHost = false;
    else if (v !== null) headers[k] = v;
  }
  if (r.body !== undefined && !r.chunked) headers['content-length'] = String(Buffer.byteLength(r.body));
  return new Promise((done, failed) => {
    const req = httpRequest(
      { host: r.address ?? '127.0.0.1', port, method: r.method ?? 'GET', path: r.path, headers, setHost, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', failed);
      },
    );
    req.on('error', failed);
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

export type WsOutcome = { kind: 'open'; ws: WebSocket } | { kind: 'refused'; status: number };

/** Opens a WebSocket with exactly these headers; resolves with the socket or the refusal status. */
export function openSocket(port: number, path: string, headers: Record<string, string | null>, origin?: string): Promise<WsOutcome> {
  const h: Record<string, string> = {};
  let setHost = true;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === 'host' && v === null) setHost = false;
    else if (v !== null) h[k] = v;
  }
  return new Promise((done, failed) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: h, ...(origin ? { origin } : {}), setHost } as WebSocket.ClientOptions);
    ws.once('open', () => done({ kind: 'open', ws }));
    ws.once('unexpected-response', (_req, res) => {
      done({ kind: 'refused', status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err) => failed(err));
  });
}

/** The next message on a socket, parsed. */
export function nextMessage(ws: WebSocket): Promise<unknown> {
  return new Promise((done) => ws.once('message', (data) => done(JSON.parse(String(data)) as unknown)));
}

import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join, resolve } from 'node:path';
import { dispatchApi } from '../app/dispatch';
import { handleApi } from './apiRoute';
import { browserApi } from './browserApi';
import { createEventHub } from './eventSocket';
import { checkSite, cookieHasToken, newToken, tokenCookie, tokenMatches } from './requestGuard';
import { sendText, setSecurityHeaders } from './securityHeaders';
import type { ServeHandle, ServeOptions } from './serveTypes';
import { injectTokenMeta, readStaticFile } from './staticFiles';
import { createTerminalHub } from '../terminal/terminalHub';

// `proxyscope serve`: the desktop app's renderer in a browser, on 127.0.0.1 only (ISSUE5
// decision 4). Order of checks for every request: Host/Origin (403), token (401), then routing.
// Opening the printed URL (`/?token=...`) sets the HttpOnly cookie and redirects to `/`, so the
// token leaves the address bar (and the history entry the page would otherwise keep).

export const LOOPBACK = '127.0.0.1';

export async function startServe(opts: ServeOptions): Promise<ServeHandle> {
  const staticDir = resolve(opts.staticDir);
  if (!existsSync(join(staticDir, 'index.html'))) throw new Error(`no index.html in ${staticDir}`);
  const token = newToken();
  let port = 0;
  const hub = createEventHub({ port: () => port, token });
  const pty = opts.ptyHost ? opts.ptyHost(hub.broadcast) : null;
  const unsubscribe = opts.backend.onEvent(hub.broadcast);
  // Debug-pod terminals share the --allow-terminals gate with SSH terminals.
  const podTerminals = pty ? createTerminalHub(hub.broadcast) : null;
  const extra = browserApi({ version: opts.version, backend: opts.backend, pty, podTerminals });
  const dispatch = (method: string, arg: unknown) => dispatchApi(opts.backend, method, arg, extra);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    setSecurityHeaders(res);
    const site = checkSite(req.headers, port);
    if (site) return sendText(res, site.status, site.message);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const queryToken = q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get('token');
    if (queryToken !== null && req.method === 'GET' && !path.startsWith('/api/')) {
      if (!tokenMatches(queryToken, token)) return sendText(res, 401, 'wrong token; open the URL proxyscope serve printed');
      res.setHeader('Set-Cookie', tokenCookie(token, port));
      return sendText(res, 303, 'see /', { Location: '/' });
    }
    if (!cookieHasToken(req.headers, token)) return sendText(res, 401, 'no token; open the URL proxyscope serve printed');
    if (path.startsWith('/api/')) return handleApi(req, res, path.slice('/api/'.length), token, dispatch);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'use GET', { Allow: 'GET, HEAD' });
    const file = await readStaticFile(staticDir, path);
    if (!file) return sendText(res, 404, 'not found');
    const data = basename(file.path) === 'index.html'
      ? Buffer.from(injectTokenMeta(file.data.toString('utf8'), token), 'utf8')
      : file.data;
    res.writeHead(200, { 'Content-Type': file.contentType, 'Content-Length': data.length });
    res.end(req.method === 'HEAD' ? undefined : data);
  };

  // requireHostHeader off: a request without Host gets our 403, not Node's 400.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => hub.handleUpgrade(req, socket, head));

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, LOOPBACK, () => {
      server.off('error', fail);
      ok();
    });
  });
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      unsubscribe();
      pty?.closeAll();
      await podTerminals?.closeAll().catch(() => undefined);
      hub.close();
      const stopped = new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
      await stopped;
      await opts.backend.dispose();
    })();
    return closing;
  };
  return { url: `http://${LOOPBACK}:${port}/?token=${token}`, port, token, close };
}

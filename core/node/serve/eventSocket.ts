import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiEvent } from '../../common/contract';
import { checkSite, cookieHasToken, tokenMatches } from './requestGuard';

// GET /api/events upgraded to a WebSocket: every ApiEvent (progress, scan, terminal output) goes
// to every connected page as one JSON message. Browsers do not apply CORS to WebSockets and send
// cookies with them, so Host and Origin are checked here as for HTTP, and the token must be in
// the cookie AND in `?token=` (a page cannot read the cookie, only our own page knows the token).

export const EVENTS_PATH = '/api/events';
/** A page that stops reading is cut off rather than letting the server buffer without bound. */
const MAX_BUFFERED = 64 * 1024 * 1024;

export interface EventHub {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  broadcast(event: ApiEvent): void;
  close(): void;
}

export function createEventHub(opts: { port: () => number; token: string }): EventHub {
  // Pages send nothing on this socket; tiny frames only.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  const clients = new Set<WebSocket>();
  return {
    handleUpgrade(req, socket, head) {
      const refusal = upgradeRefusal(req, opts.port(), opts.token);
      if (refusal) return refuse(socket, refusal.status, refusal.message);
      wss.handleUpgrade(req, socket, head, (ws) => {
        clients.add(ws);
        ws.on('close', () => clients.delete(ws));
        ws.on('error', () => ws.terminate());
        ws.on('message', () => undefined);
      });
    },
    broadcast(event) {
      const text = JSON.stringify(event);
      for (const ws of clients) {
        if (ws.readyState !== ws.OPEN) continue;
        if (ws.bufferedAmount > MAX_BUFFERED) ws.terminate();
        else ws.send(text);
      }
    },
    close() {
      for (const ws of clients) ws.terminate();
      clients.clear();
      wss.close();
    },
  };
}

function upgradeRefusal(req: IncomingMessage, port: number, token: string): { status: 401 | 403 | 404; message: string } | null {
  const site = checkSite(req.headers, port);
  if (site) return site;
  const url = req.url ?? '';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  if (!cookieHasToken(req.headers, token) || !tokenMatches(query.get('token') ?? undefined, token)) {
    return { status: 401, message: 'missing or wrong token' };
  }
  if (path !== EVENTS_PATH) return { status: 404, message: 'not found' };
  return null;
}

const REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };

function refuse(socket: Duplex, status: number, message: string): void {
  const body = message + '\n';
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.once('finish', () => socket.destroy());
}

import type { OutgoingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { proxyFromEnvironment } from '../kube/envProxy';
import type { KubeClient } from '../kube/kubeClient';
import { openTunnel } from '../kube/proxyTunnel';

// What the debug-pod path needs beyond the read-only client (kube/kubeClient.ts does GET only):
// POST and DELETE on pods and the pods/exec WebSocket, with the same server, TLS material,
// credential and proxy as that client. TLS verification is decided here explicitly
// (rejectUnauthorized always set, never left to NODE_TLS_REJECT_UNAUTHORIZED), as in
// kube/kubeHttp.ts. No nodes/proxy, ever.

export interface ApiEndpoint {
  server: URL;
  host: string;
  port: number;
  secure: boolean;
  basePath: string;
  tls: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean; servername?: string };
  proxyUrl?: string;
  headers: OutgoingHttpHeaders;
  redact: (s: string) => string;
}

export interface ApiResponse {
  status: number;
  body: Buffer;
}

export class ApiTransportError extends Error {
  override name = 'ApiTransportError';
  constructor(
    readonly kind: 'timeout' | 'network' | 'cancelled' | 'too-large',
    message: string,
  ) {
    super(message);
  }
}

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export async function apiEndpoint(client: KubeClient, signal?: AbortSignal): Promise<ApiEndpoint> {
  const ctx = client.resolved;
  const m = await client.authMaterial(signal);
  const server = new URL(ctx.server);
  const secure = server.protocol === 'https:';
  const headers: OutgoingHttpHeaders = { Accept: 'application/json', 'User-Agent': 'proxyscope' };
  if (m.authorization) headers.Authorization = m.authorization.reveal();
  if (ctx.user?.impersonateUser) headers['Impersonate-User'] = ctx.user.impersonateUser;
  if (ctx.user?.impersonateGroups?.length) headers['Impersonate-Group'] = ctx.user.impersonateGroups;
  const proxyUrl = ctx.proxyUrl ?? proxyFromEnvironment(server, process.env);
  return {
    server,
    host: server.hostname.replace(/^\[|\]$/g, ''),
    port: Number(server.port || (secure ? 443 : 80)),
    secure,
    basePath: server.pathname === '/' ? '' : server.pathname.replace(/\/+$/, ''),
    tls: {
      ...(ctx.tls.caPem !== undefined ? { ca: ctx.tls.caPem } : {}),
      ...(m.certPem !== undefined ? { cert: m.certPem, key: m.keyPem?.reveal() } : {}),
      rejectUnauthorized: !ctx.tls.skipVerify,
      ...(ctx.tls.serverName !== undefined ? { servername: ctx.tls.serverName } : {}),
    },
    ...(proxyUrl !== undefined ? { proxyUrl } : {}),
    headers,
    redact: (s) => client.secrets.redact(s),
  };
}

/**
 * A connection factory for node:http / ws when a proxy is in the way: the tunnel is opened
 * first, TLS to the API server runs inside it. Undefined when the API server is dialled directly.
 */
export async function tunnelledConnection(ep: ApiEndpoint, signal: AbortSignal): Promise<(() => Socket) | undefined> {
  if (ep.proxyUrl === undefined) return undefined;
  const socket = await openTunnel(ep.proxyUrl, ep.host, ep.port, signal);
  const conn = ep.secure
    ? tlsConnect({ socket, host: ep.host, ...ep.tls, ...(ep.tls.servername === undefined && !/^[\d.:]+$/.test(ep.host) ? { servername: ep.host } : {}) })
    : socket;
  return () => conn;
}

export interface ApiRequestOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** One JSON request (any method) with a deadline, cancellation and a response cap. */
export async function apiRequest(ep: ApiEndpoint, method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, o: ApiRequestOptions): Promise<ApiResponse> {
  const deadline = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    deadline.abort();
  }, o.timeoutMs);
  const onAbort = (): void => deadline.abort();
  if (o.signal?.aborted) deadline.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers: OutgoingHttpHeaders = { ...ep.headers, ...(text !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } : {}) };
  try {
    const createConnection = await tunnelledConnection(ep, deadline.signal);
    return await new Promise<ApiResponse>((resolve, reject) => {
      const common = { host: ep.host, port: ep.port, method, path: `${ep.basePath}${path}`, headers, signal: deadline.signal };
      const req = createConnection
        ? httpRequest({ ...common, createConnection })
        : ep.secure
          ? httpsRequest({ ...common, ...ep.tls, agent: false })
          : httpRequest({ ...common, agent: false });
      req.once('error', reject);
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (bytes > MAX_RESPONSE_BYTES) res.destroy(new ApiTransportError('too-large', `the answer to ${method} ${path} is larger than ${MAX_RESPONSE_BYTES} bytes`));
          else chunks.push(c);
        });
        res.once('error', reject);
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      });
      req.end(text);
    });
  } catch (err) {
    if (timedOut) throw new ApiTransportError('timeout', `${method} ${path}: the API server did not answer within ${o.timeoutMs / 1000} s`);
    if (o.signal?.aborted) throw new ApiTransportError('cancelled', `${method} ${path}: cancelled`);
    if (err instanceof ApiTransportError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ApiTransportError('network', ep.redact(`${method} ${path}: ${code ?? (err as Error).message}`));
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}

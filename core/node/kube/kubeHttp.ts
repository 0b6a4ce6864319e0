import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { Agent } from 'node:https';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { ProxyError, openTunnel } from './proxyTunnel';

// One GET to the API server over node:https, with what a scan of a production cluster needs
// and client-node's generated client does not give: one deadline for the whole exchange
// (connect, TLS, headers, body), cancellation, a byte cap, and a truncated body told apart
// from a bad one. TLS verification is decided here and only here: rejectUnauthorized is always
// passed explicitly, so NODE_TLS_REJECT_UNAUTHORIZED in the environment cannot switch it off.

export interface TlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  servername?: string;
}

export interface HttpTarget {
  server: URL;
  tls: TlsMaterial;
  proxyUrl?: string;
  /** Keep-alive pool for direct HTTPS connections. */
  agent?: Agent;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type TransportErrorKind = 'timeout' | 'tls' | 'unreachable' | 'network' | 'truncated' | 'too-large' | 'proxy' | 'aborted';

export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    readonly kind: TransportErrorKind,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface GetOptions {
  headers: Record<string, string | string[]>;
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
}

const TLS_REASONS: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "is not signed by the kubeconfig's certificate authority",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "is not signed by the kubeconfig's certificate authority",
  UNABLE_TO_GET_ISSUER_CERT: "is not signed by the kubeconfig's certificate authority",
  SELF_SIGNED_CERT_IN_CHAIN: "chains to a CA that is not the kubeconfig's certificate authority",
  DEPTH_ZERO_SELF_SIGNED_CERT: "is self-signed and not the kubeconfig's certificate authority",
  CERT_HAS_EXPIRED: 'has expired',
  CERT_NOT_YET_VALID: 'is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'is not issued for this host name',
  CERT_SIGNATURE_FAILURE: 'has a bad signature',
  CERT_REVOKED: 'is revoked',
};
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EADDRNOTAVAIL']);

function classify(err: unknown, server: URL): TransportError {
  if (err instanceof TransportError) return err;
  if (err instanceof ProxyError) return new TransportError('proxy', err.message);
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const msg = err instanceof Error ? err.message : String(err);
  if (TLS_REASONS[code]) {
    return new TransportError('tls', `TLS: the certificate of ${server.host} ${TLS_REASONS[code]} (${code}); Proxyscope does not connect to an API server it cannot verify`, code);
  }
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code === 'EPROTO' || /certificate|ssl|tls/i.test(msg)) {
    return new TransportError('tls', `TLS handshake with ${server.host} failed (${code || msg})`, code);
  }
  if (UNREACHABLE.has(code)) return new TransportError('unreachable', `cannot reach the API server at ${server.host} (${code})`, code);
  return new TransportError('network', `the connection to ${server.host} failed (${code || msg})`, code);
}

function collect(res: IncomingMessage, maxBytes: number, fail: (e: TransportError) => void, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let ended = false;
  const expected = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined;
  res.on('data', (c: Buffer) => {
    bytes += c.length;
    if (bytes > maxBytes) {
      res.destroy(new TransportError('too-large', `the response is larger than ${maxBytes} bytes; use a smaller page size`));
      return;
    }
    chunks.push(c);
  });
  res.on('end', () => {
    ended = true;
    if (expected !== undefined && bytes < expected) {
      fail(new TransportError('truncated', `the response ended early: ${bytes} of ${expected} bytes`));
      return;
    }
    done(Buffer.concat(chunks));
  });
  res.on('error', (err) => fail(err instanceof TransportError ? err : new TransportError('truncated', `the response was cut off after ${bytes} bytes${expected !== undefined ? ` of ${expected}` : ''}`)));
  res.on('close', () => {
    if (!ended) fail(new TransportError('truncated', `the connection closed after ${bytes} bytes of the response${expected !== undefined ? ` (of ${expected})` : ''}`));
  });
}

export function httpGet(target: HttpTarget, path: string, opts: GetOptions): Promise<HttpResponse> {
  const { server } = target;
  const host = server.hostname.replace(/^\[|\]$/g, '');
  const secure = server.protocol === 'https:';
  const port = Number(server.port || (secure ? 443 : 80));
  const deadline = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    deadline.abort();
  }, opts.timeoutMs);
  const onAbort = (): void => deadline.abort();
  if (opts.signal?.aborted) deadline.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const tlsOptions = {
    ...(target.tls.ca !== undefined ? { ca: target.tls.ca } : {}),
    ...(target.tls.cert !== undefined ? { cert: target.tls.cert } : {}),
    ...(target.tls.key !== undefined ? { key: target.tls.key } : {}),
    rejectUnauthorized: target.tls.rejectUnauthorized,
    // An IP literal is not a valid SNI name; Node checks the IP SAN either way.
    ...(target.tls.servername !== undefined ? { servername: target.tls.servername } : {}),
  };

  const finish = <T>(p: Promise<T>): Promise<T> =>
    p
      .catch((err: unknown) => {
        if (timedOut) throw new TransportError('timeout', `the API server at ${server.host} did not answer within ${opts.timeoutMs / 1000} s`);
        if (opts.signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
        throw classify(err, server);
      })
      .finally(() => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      });

  const exchange = (start: () => ClientRequest): Promise<HttpResponse> =>
    new Promise<HttpResponse>((resolve, reject) => {
      const req = start();
      req.once('error', reject);
      req.once('response', (res) => {
        collect(res, opts.maxBytes, reject, (body) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.end();
    });

  const basePath = server.pathname === '/' ? '' : server.pathname.replace(/\/+$/, '');
  const common = { method: 'GET', path: `${basePath}${path}`, headers: opts.headers, signal: deadline.signal };
  if (target.proxyUrl === undefined) {
    return finish(
      exchange(() =>
        secure ? httpsRequest({ host, port, ...common, ...tlsOptions, ...(target.agent ? { agent: target.agent } : {}) }) : httpRequest({ host, port, ...common }),
      ),
    );
  }
  const proxyUrl = target.proxyUrl;
  return finish(
    openTunnel(proxyUrl, host, port, deadline.signal).then((socket) => {
      const conn = secure ? tlsConnect({ socket, host, ...tlsOptions, ...(tlsOptions.servername === undefined && !/^[\d.:]+$/.test(host) ? { servername: host } : {}) }) : socket;
      return exchange(() => httpRequest({ host, port, ...common, createConnection: () => conn })).finally(() => conn.destroy());
    }),
  );
}

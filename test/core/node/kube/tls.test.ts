import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { connect as netConnect, createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiError } from '../../../../core/node/kube/apiErrors';
import { listClusterObjects } from '../../../../core/node/kube/listCluster';
import type { FakeApiServer, KubeconfigOptions } from '../../../helpers/fakeApiServer/fakeApiServer';
import { startFakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import type { TempDir } from '../../../helpers/fakeApiServer/kubeTestKit';
import { clientFor, tempDir } from '../../../helpers/fakeApiServer/kubeTestKit';
import { generateTestCa } from '../../../helpers/fakeApiServer/testCerts';

// TLS fails closed (K6): a wrong CA, an expired certificate or a name mismatch stops the
// connection before any HTTP is sent; insecure-skip-tls-verify works only when the kubeconfig
// says so, and then loudly. proxy-url (K7): HTTP CONNECT and socks5 tunnels, with the API
// credentials never visible to the proxy.

let api: FakeApiServer;
let expired: FakeApiServer;
let otherName: FakeApiServer;
let dir: TempDir;
let otherCa: string;

beforeAll(async () => {
  [api, expired, otherName] = await Promise.all([
    startFakeApiServer(),
    startFakeApiServer({ cert: { expired: true } }),
    startFakeApiServer({ cert: { altNames: ['DNS:kubernetes.default.svc'] } }),
  ]);
  dir = tempDir();
  otherCa = generateTestCa('some-other-ca').certPem;
});
afterAll(async () => {
  await Promise.all([api?.close(), expired?.close(), otherName?.close()]);
  dir?.remove();
});
beforeEach(() => {
  api.requests.length = 0;
  expired.requests.length = 0;
  otherName.requests.length = 0;
});

let n = 0;
async function tryList(server: FakeApiServer, k: KubeconfigOptions, env: NodeJS.ProcessEnv = {}) {
  const file = dir.file(`kc-${n++}`, server.kubeconfigFor('tls', k));
  const t = await clientFor(file, { env });
  try {
    return { listing: await listClusterObjects(t.client), client: t.client };
  } catch (err) {
    return { error: err as Error, client: t.client };
  } finally {
    t.client.close();
  }
}

describe('TLS verification', () => {
  it.each([
    { name: 'a CA that did not sign the server certificate', server: () => api, k: () => ({ caPem: otherCa }), error: /not signed by the kubeconfig's certificate authority|chains to a CA/ },
    { name: 'an expired server certificate', server: () => expired, k: () => ({}), error: /has expired \(CERT_HAS_EXPIRED\)/ },
    { name: 'a tls-server-name the certificate is not for', server: () => api, k: () => ({ tlsServerName: 'wrong.example' }), error: /is not issued for this host name/ },
    { name: 'an address the certificate is not for', server: () => otherName, k: () => ({}), error: /is not issued for this host name/ },
  ])('refuses $name before sending any request', async ({ server, k, error }) => {
    const s = server();
    const r = await tryList(s, k());
    expect(r.error).toBeInstanceOf(KubeApiError);
    expect((r.error as KubeApiError).kind).toBe('tls');
    expect(r.error?.message).toMatch(error);
    expect(s.requests).toHaveLength(0);
  });

  it('connects with the right CA and with a tls-server-name the certificate covers', async () => {
    expect((await tryList(api, {})).listing?.partial).toBe(false);
    expect((await tryList(api, { tlsServerName: 'localhost' })).listing?.partial).toBe(false);
  });

  it('skips verification only when the kubeconfig says so, and says so loudly', async () => {
    const r = await tryList(api, { insecureSkipTlsVerify: true });
    expect(r.listing?.partial).toBe(false);
    expect(r.client.insecureSkipTlsVerify).toBe(true);
    expect(r.listing?.warnings.join('\n')).toMatch(/TLS VERIFICATION IS OFF for context "tls"/);
  });

  it('does not let NODE_TLS_REJECT_UNAUTHORIZED=0 switch verification off', async () => {
    const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      const r = await tryList(api, { caPem: otherCa });
      expect((r.error as KubeApiError).kind).toBe('tls');
      expect(api.requests).toHaveLength(0);
    } finally {
      if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
    }
  });
});

interface ProxyLog {
  targets: string[];
  headers: Record<string, string | string[] | undefined>[];
  relayed: Buffer[];
}

const relaySockets: Socket[] = [];

function relay(client: Socket, host: string, port: number, log: ProxyLog, onReady: () => void): void {
  const upstream = netConnect(port, host, onReady);
  relaySockets.push(client, upstream);
  client.on('data', (c: Buffer) => log.relayed.push(c));
  client.pipe(upstream).pipe(client);
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
}

function startConnectProxy(log: ProxyLog, refuse = false): Promise<HttpServer> {
  const server = createHttpServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, socket: Socket) => {
    log.targets.push(req.url ?? '');
    log.headers.push(req.headers);
    if (refuse) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    // kube.invalid stands for a cluster only the proxy can reach.
    relay(socket, host === 'kube.invalid' ? '127.0.0.1' : host, Number(port), log, () => socket.write('HTTP/1.1 200 Connection Established\r\n\r\n'));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** RFC 1928, no authentication, CONNECT to an IPv4 address only: enough for the test. */
function startSocksProxy(log: ProxyLog): Promise<NetServer> {
  const server = createNetServer((socket) => {
    socket.once('data', (hello: Buffer) => {
      if (hello[0] !== 5) return socket.destroy();
      socket.write(Buffer.from([5, 0]));
      socket.once('data', (req: Buffer) => {
        const host = [...req.subarray(4, 8)].join('.');
        const port = req.readUInt16BE(8);
        log.targets.push(`${host}:${port}`);
        relay(socket, host, port, log, () => socket.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0])));
      });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('proxy-url', () => {
  const servers: (HttpServer | NetServer)[] = [];
  afterAll(async () => {
    for (const sock of relaySockets) sock.destroy();
    for (const s of servers) {
      if ('closeAllConnections' in s) s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it.each([
    { scheme: 'http', start: (log: ProxyLog) => startConnectProxy(log) },
    { scheme: 'socks5', start: (log: ProxyLog) => startSocksProxy(log) },
  ])('tunnels through a $scheme proxy, which never sees the credentials', async ({ scheme, start }) => {
    const log: ProxyLog = { targets: [], headers: [], relayed: [] };
    const proxy = await start(log);
    servers.push(proxy);
    const proxyUrl = `${scheme}://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const r = await tryList(api, { proxyUrl });
    expect(r.error).toBeUndefined();
    expect(r.listing?.partial).toBe(false);
    expect(log.targets.length).toBeGreaterThan(0);
    expect(new Set(log.targets)).toEqual(new Set([`127.0.0.1:${api.port}`]));
    expect(log.headers.every((h) => h.authorization === undefined)).toBe(true);
    const bytes = Buffer.concat(log.relayed);
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.includes(Buffer.from(api.token))).toBe(false);
  });

  it.each([
    { name: 'uses HTTPS_PROXY when the kubeconfig sets no proxy-url', env: (p: string) => ({ HTTPS_PROXY: p }), proxied: true },
    { name: 'skips HTTPS_PROXY for a host in NO_PROXY', env: (p: string) => ({ HTTPS_PROXY: p, NO_PROXY: 'example.com,.invalid' }), proxied: false },
  ])('$name, as kubectl does', async ({ env, proxied }) => {
    const log: ProxyLog = { targets: [], headers: [], relayed: [] };
    const proxy = await startConnectProxy(log);
    servers.push(proxy);
    const r = await tryList(api, { server: `https://kube.invalid:${api.port}`, tlsServerName: 'localhost' }, env(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`));
    if (proxied) {
      expect(r.error).toBeUndefined();
      expect(new Set(log.targets)).toEqual(new Set([`kube.invalid:${api.port}`]));
    } else {
      // Direct: kube.invalid does not resolve, and the proxy saw nothing.
      expect((r.error as KubeApiError).kind).toBe('unreachable');
      expect(log.targets).toEqual([]);
    }
  });

  it('reports a proxy that refuses the tunnel', async () => {
    const log: ProxyLog = { targets: [], headers: [], relayed: [] };
    const proxy = await startConnectProxy(log, true);
    servers.push(proxy);
    const r = await tryList(api, { proxyUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
    expect((r.error as KubeApiError).kind).toBe('proxy');
    expect(r.error?.message).toMatch(/refused the tunnel to 127\.0\.0\.1:\d+: 403 Forbidden/);
    expect(api.requests).toHaveLength(0);
  });
});

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, isIP } from 'node:net';
import type { Socket } from 'node:net';

// A kubeconfig `proxy-url` (client-go honours http, https and socks5): a TCP tunnel to the API
// server's host:port, over which the caller runs TLS to the API server itself. HTTP(S) proxies
// get a CONNECT (the API server's Authorization header never reaches the proxy: it travels
// inside the TLS tunnel); socks5 is RFC 1928 CONNECT with RFC 1929 user/password when the URL
// carries them.

export class ProxyError extends Error {
  override name = 'ProxyError';
}

function proxyAuth(proxy: URL): string | undefined {
  if (proxy.username === '') return undefined;
  return `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
}

function httpConnect(proxy: URL, host: string, port: number, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
    const auth = proxyAuth(proxy);
    const make = proxy.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = make({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
      method: 'CONNECT',
      path: authority,
      headers: { Host: authority, ...(auth ? { 'Proxy-Authorization': auth } : {}) },
      signal,
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(new ProxyError(`the proxy ${proxy.host} refused the tunnel to ${authority}: ${res.statusCode} ${res.statusMessage ?? ''}`.trim()));
        return;
      }
      resolve(socket);
    });
    req.once('error', (err) => reject(signal.aborted ? err : new ProxyError(`cannot reach the proxy ${proxy.host}: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
    req.end();
  });
}

/** Reads exactly n bytes from a socket in paused mode. */
function readBytes(socket: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= n) {
        cleanup();
        if (buf.length > n) socket.unshift(buf.subarray(n));
        resolve(buf.subarray(0, n));
      }
    };
    const onEnd = (): void => {
      cleanup();
      reject(new ProxyError('the socks5 proxy closed the connection'));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.pause();
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
    socket.resume();
  });
}

async function socks5Connect(proxy: URL, host: string, port: number, signal: AbortSignal): Promise<Socket> {
  const socket = netConnect({ host: proxy.hostname.replace(/^\[|\]$/g, ''), port: Number(proxy.port || 1080) });
  const abort = (): void => {
    socket.destroy(Object.assign(new Error('cancelled'), { name: 'AbortError' }));
  };
  signal.addEventListener('abort', abort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (err) => reject(new ProxyError(`cannot reach the proxy ${proxy.host}: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
    });
    const user = decodeURIComponent(proxy.username);
    const pass = decodeURIComponent(proxy.password);
    socket.write(Buffer.from(user ? [5, 2, 0, 2] : [5, 1, 0]));
    const [ver, method] = await readBytes(socket, 2);
    if (ver !== 5 || (method !== 0 && method !== 2)) throw new ProxyError('the socks5 proxy accepts none of our authentication methods');
    if (method === 2) {
      const u = Buffer.from(user);
      const p = Buffer.from(pass);
      socket.write(Buffer.concat([Buffer.from([1, u.length]), u, Buffer.from([p.length]), p]));
      const [, status] = await readBytes(socket, 2);
      if (status !== 0) throw new ProxyError('the socks5 proxy rejected the user name and password in proxy-url');
    }
    const family = isIP(host);
    const addr =
      family === 4
        ? Buffer.from([1, ...host.split('.').map(Number)])
        : family === 6
          ? Buffer.concat([Buffer.from([4]), ipv6Bytes(host)])
          : Buffer.concat([Buffer.from([3, Buffer.byteLength(host)]), Buffer.from(host)]);
    socket.write(Buffer.concat([Buffer.from([5, 1, 0]), addr, Buffer.from([port >> 8, port & 0xff])]));
    const head = await readBytes(socket, 4);
    if (head[1] !== 0) throw new ProxyError(`the socks5 proxy could not connect to ${host}:${port} (reply ${head[1]})`);
    const rest = head[3] === 1 ? 4 : head[3] === 4 ? 16 : (await readBytes(socket, 1))[0];
    await readBytes(socket, rest + 2);
    return socket;
  } catch (err) {
    socket.destroy();
    throw err;
  } finally {
    signal.removeEventListener('abort', abort);
  }
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export function openTunnel(proxyUrl: string, host: string, port: number, signal: AbortSignal): Promise<Socket> {
  let proxy: URL;
  try {
    proxy = new URL(proxyUrl);
  } catch {
    return Promise.reject(new ProxyError('the proxy URL is not a valid URL'));
  }
  if (proxy.protocol === 'socks5:') return socks5Connect(proxy, host, port, signal);
  if (proxy.protocol === 'http:' || proxy.protocol === 'https:') return httpConnect(proxy, host, port, signal);
  return Promise.reject(new ProxyError(`proxy-url scheme ${proxy.protocol} is not supported`));
}

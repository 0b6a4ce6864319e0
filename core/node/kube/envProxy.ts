import { BlockList, isIP } from 'node:net';

// kubectl honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY when the kubeconfig sets no proxy-url
// (client-go uses net/http's ProxyFromEnvironment, rules from golang.org/x/net/http/httpproxy):
// the upper-case variable first, then the lower-case one; NO_PROXY entries are `*`, host names
// (with or without a leading dot: the name and its subdomains), IPs and CIDRs, optionally with
// :port; localhost and loopback addresses are never proxied. client-node ignores these
// variables; Proxyscope follows kubectl.

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name] ?? env[name.toLowerCase()];
  return v === undefined || v === '' ? undefined : v;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

function matchesNoProxy(host: string, port: string, noProxy: string): boolean {
  for (const raw of noProxy.split(',')) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const slash = entry.indexOf('/');
    if (slash > 0 && isIP(entry.slice(0, slash))) {
      const family = isIP(entry.slice(0, slash)) === 4 ? 'ipv4' : 'ipv6';
      if (isIP(host) === 0 || (isIP(host) === 4) !== (family === 'ipv4')) continue;
      const list = new BlockList();
      list.addSubnet(entry.slice(0, slash), Number(entry.slice(slash + 1)), family);
      if (list.check(host, family)) return true;
      continue;
    }
    let entryPort = '';
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
    if (m) {
      entry = m[1];
      entryPort = m[2];
    }
    entry = entry.replace(/^\[|\]$/g, '');
    if (entryPort !== '' && entryPort !== port) continue;
    if (isIP(entry)) {
      if (entry === host) return true;
      continue;
    }
    const domain = entry.startsWith('.') ? entry.slice(1) : entry;
    if (host === domain || host.endsWith(`.${domain}`)) return true;
  }
  return false;
}

/** The proxy URL for `server` from the environment, or undefined for a direct connection. */
export function proxyFromEnvironment(server: URL, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const host = server.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopback(host)) return undefined;
  const proxy = server.protocol === 'https:' ? envValue(env, 'HTTPS_PROXY') : envValue(env, 'HTTP_PROXY');
  if (proxy === undefined) return undefined;
  const port = server.port || (server.protocol === 'https:' ? '443' : '80');
  const noProxy = envValue(env, 'NO_PROXY');
  if (noProxy !== undefined && matchesNoProxy(host, port, noProxy)) return undefined;
  // Go accepts a bare host:port and assumes http://.
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}

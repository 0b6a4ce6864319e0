import { dirname, isAbsolute, resolve } from 'node:path';
import type { ClusterEntry, ContextEntry, ExecConfig, UserEntry } from './kubeconfigTypes';
import { secret } from './secret';

// One kubeconfig file's clusters/users/contexts, read defensively: a kubeconfig is untrusted
// input, so every field is type-checked, and a bad entry becomes that entry's `error` instead of
// failing the file (client-go's validation.go rules, worded for a person). Relative paths are
// resolved against the file's directory (clientcmd ResolveLocalPaths); an exec command only
// when it contains a path separator, as client-go does (a bare name is looked up on PATH).

type Raw = Record<string, unknown>;

function isMap(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function pathIn(dir: string, p: string | undefined): string | undefined {
  if (p === undefined) return undefined;
  return isAbsolute(p) ? p : resolve(dir, p);
}

/** base64 PEM data; undefined + error text when it is not PEM. */
function pemData(field: string, value: unknown): { pem?: string; error?: string } {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value !== 'string') return { error: `${field} is not a string` };
  const text = Buffer.from(value, 'base64').toString('utf8');
  if (!text.includes('-----BEGIN ')) return { error: `${field} is not base64-encoded PEM` };
  return { pem: text };
}

export interface NamedEntries<T> {
  entries: T[];
  warnings: string[];
}

function named<T>(file: string, kind: string, list: unknown, body: string, build: (name: string, raw: Raw) => T): NamedEntries<T> {
  const warnings: string[] = [];
  const entries: T[] = [];
  if (list === undefined || list === null) return { entries, warnings };
  if (!Array.isArray(list)) return { entries, warnings: [`${file}: "${kind}" is not a list; ignored`] };
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const name = isMap(item) ? str(item.name) : undefined;
    if (name === undefined) {
      warnings.push(`${file}: ${kind}[${i}] has no name; ignored`);
      return;
    }
    if (seen.has(name)) {
      // client-go refuses the whole file here; keeping the first lets the other contexts work.
      warnings.push(`${file}: ${kind.slice(0, -1)} "${name}" is defined twice; the first one is used`);
      return;
    }
    seen.add(name);
    const raw = isMap(item) ? item[body] : undefined;
    entries.push(build(name, isMap(raw) ? raw : {}));
  });
  return { entries, warnings };
}

export function readClusters(file: string, list: unknown): NamedEntries<ClusterEntry> {
  const dir = dirname(file);
  return named(file, 'clusters', list, 'cluster', (name, c) => {
    const e: ClusterEntry = { name, source: file, skipTlsVerify: c['insecure-skip-tls-verify'] === true };
    const errors: string[] = [];
    const server = str(c.server);
    if (server === undefined) errors.push('it has no server URL');
    else {
      e.server = server.replace(/\/+$/, '');
      try {
        const u = new URL(e.server);
        if (u.protocol !== 'https:' && u.protocol !== 'http:') errors.push(`server "${e.server}" is not an http(s) URL`);
      } catch {
        errors.push(`server "${e.server}" is not a valid URL`);
      }
    }
    e.caFile = pathIn(dir, str(c['certificate-authority']));
    const ca = pemData('certificate-authority-data', c['certificate-authority-data']);
    if (ca.error) errors.push(ca.error);
    if (ca.pem) e.caPem = ca.pem;
    // client-go: "specifying a root certificates file with the insecure flag is not allowed".
    if (e.skipTlsVerify && (e.caFile || e.caPem)) errors.push('it sets both insecure-skip-tls-verify and a certificate authority');
    e.tlsServerName = str(c['tls-server-name']);
    const proxy = str(c['proxy-url']);
    if (proxy !== undefined) {
      e.proxyUrl = proxy;
      try {
        const u = new URL(proxy);
        if (!['http:', 'https:', 'socks5:'].includes(u.protocol)) errors.push(`proxy-url scheme "${u.protocol}" is not supported (http, https, socks5)`);
      } catch {
        errors.push('proxy-url is not a valid URL');
      }
    }
    if (errors.length) e.error = `cluster "${name}": ${errors.join('; ')}`;
    return e;
  });
}

function readExec(dir: string, raw: Raw, errors: string[]): ExecConfig | undefined {
  const command = str(raw.command);
  if (command === undefined) {
    errors.push('exec has no command');
    return undefined;
  }
  const apiVersion = str(raw.apiVersion);
  if (apiVersion === undefined) errors.push('exec has no apiVersion');
  const args = Array.isArray(raw.args) ? raw.args.map((a) => String(a)) : [];
  const env: ExecConfig['env'] = [];
  if (Array.isArray(raw.env)) {
    for (const item of raw.env) {
      if (isMap(item) && str(item.name) !== undefined) env.push({ name: String(item.name), value: secret(String(item.value ?? '')) });
      else errors.push('exec env entries need a name');
    }
  }
  return {
    command: command.includes('/') ? (pathIn(dir, command) ?? command) : command,
    args,
    env,
    apiVersion: apiVersion ?? '',
    ...(str(raw.interactiveMode) ? { interactiveMode: str(raw.interactiveMode) } : {}),
    provideClusterInfo: raw.provideClusterInfo === true,
    ...(str(raw.installHint) ? { installHint: str(raw.installHint) } : {}),
  };
}

export function readUsers(file: string, list: unknown): NamedEntries<UserEntry> {
  const dir = dirname(file);
  return named(file, 'users', list, 'user', (name, u) => {
    const e: UserEntry = { name, source: file };
    const errors: string[] = [];
    const token = str(u.token);
    if (token !== undefined) e.token = secret(token);
    e.tokenFile = pathIn(dir, str(u['token-file']));
    e.certFile = pathIn(dir, str(u['client-certificate']));
    const cert = pemData('client-certificate-data', u['client-certificate-data']);
    if (cert.error) errors.push(cert.error);
    if (cert.pem) e.certPem = cert.pem;
    e.keyFile = pathIn(dir, str(u['client-key']));
    const key = pemData('client-key-data', u['client-key-data']);
    if (key.error) errors.push(key.error);
    if (key.pem) e.keyPem = secret(key.pem);
    const hasCert = e.certFile !== undefined || e.certPem !== undefined;
    const hasKey = e.keyFile !== undefined || e.keyPem !== undefined;
    if (hasCert !== hasKey) errors.push(hasCert ? 'it has a client certificate but no client key' : 'it has a client key but no client certificate');
    e.username = str(u.username);
    const password = str(u.password);
    if (password !== undefined) e.password = secret(password);
    if (isMap(u.exec)) e.exec = readExec(dir, u.exec, errors);
    if (isMap(u['auth-provider'])) {
      const ap = u['auth-provider'];
      const config = isMap(ap.config) ? ap.config : {};
      // The oidc provider still works in kubectl: its id-token is sent as a bearer token. The
      // gcp/azure providers were removed in favour of exec plugins (Kubernetes 1.26).
      const idToken = str(config['id-token']);
      if (str(ap.name) === 'oidc' && idToken !== undefined) e.token = secret(idToken);
      else errors.push(`auth-provider "${str(ap.name) ?? '?'}" is not supported; use its exec plugin (kubelogin, gke-gcloud-auth-plugin, ...)`);
    }
    e.impersonateUser = str(u.as);
    if (Array.isArray(u['as-groups'])) e.impersonateGroups = u['as-groups'].map((g) => String(g));
    const methods = [
      e.token !== undefined || e.tokenFile !== undefined ? 'token' : '',
      e.username !== undefined || e.password !== undefined ? 'basic auth' : '',
      e.exec !== undefined ? 'exec' : '',
    ].filter((m) => m !== '');
    if (methods.length > 1) errors.push(`it sets more than one authentication method (${methods.join(', ')})`);
    if (errors.length) e.error = `user "${name}": ${errors.join('; ')}`;
    return e;
  });
}

export function readContexts(file: string, list: unknown): NamedEntries<ContextEntry> {
  return named(file, 'contexts', list, 'context', (name, c) => {
    const cluster = str(c.cluster) ?? '';
    return {
      name,
      source: file,
      cluster,
      user: str(c.user) ?? '',
      ...(str(c.namespace) ? { namespace: str(c.namespace) } : {}),
      ...(cluster === '' ? { error: `context "${name}" names no cluster` } : {}),
    };
  });
}

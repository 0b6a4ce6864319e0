import { readFileSync } from 'node:fs';
import type { Kubeconfig, UserEntry } from './kubeconfigTypes';
import { KubeconfigError } from './kubeconfigTypes';
import { checkContext } from './listContexts';
import type { Secret } from './secret';
import { secret } from './secret';

// One context made concrete: server, TLS material read from files, the user entry. Fails with
// that context's own error (listContexts shows the same text). TLS is always verified unless
// the kubeconfig itself says insecure-skip-tls-verify; that case carries a warning the caller
// must show and write into the report.

export interface ResolvedTls {
  caPem?: string;
  certPem?: string;
  keyPem?: Secret;
  skipVerify: boolean;
  serverName?: string;
}

export interface ResolvedContext {
  name: string;
  namespace?: string;
  source: string;
  server: string;
  tls: ResolvedTls;
  proxyUrl?: string;
  userName: string;
  user?: UserEntry;
  warnings: string[];
}

function readText(what: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new KubeconfigError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}

export function resolveContext(kc: Kubeconfig, name?: string): ResolvedContext {
  const wanted = name ?? kc.currentContext;
  const names = [...kc.contexts.keys()];
  if (wanted === undefined) {
    throw new KubeconfigError(`the kubeconfig has no current-context; choose one with --context (${names.length ? names.join(', ') : 'no contexts defined'})`);
  }
  const ctx = kc.contexts.get(wanted);
  if (!ctx) throw new KubeconfigError(`context "${wanted}" is not in the kubeconfig (contexts: ${names.length ? names.join(', ') : 'none'})`);
  const checked = checkContext(kc, ctx);
  if (checked.error || !checked.cluster?.server) throw new KubeconfigError(`context "${wanted}": ${checked.error ?? 'no server'}`);
  const cluster = checked.cluster;
  const user = checked.user;
  const caPem = cluster.caPem ?? (cluster.caFile ? readText('certificate-authority', cluster.caFile) : undefined);
  const certPem = user?.certPem ?? (user?.certFile ? readText('client-certificate', user.certFile) : undefined);
  const keyPem = user?.keyPem ?? (user?.keyFile ? secret(readText('client-key', user.keyFile)) : undefined);
  return {
    name: ctx.name,
    ...(ctx.namespace ? { namespace: ctx.namespace } : {}),
    source: ctx.source,
    server: cluster.server as string,
    tls: {
      ...(caPem !== undefined ? { caPem } : {}),
      ...(certPem !== undefined ? { certPem } : {}),
      ...(keyPem !== undefined ? { keyPem } : {}),
      skipVerify: cluster.skipTlsVerify,
      ...(cluster.tlsServerName ? { serverName: cluster.tlsServerName } : {}),
    },
    ...(cluster.proxyUrl ? { proxyUrl: cluster.proxyUrl } : {}),
    userName: ctx.user,
    ...(user ? { user } : {}),
    warnings: checked.warnings,
  };
}

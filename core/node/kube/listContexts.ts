import { accessSync, constants } from 'node:fs';
import type { AuthKind, ClusterEntry, ContextEntry, Kubeconfig, UserEntry } from './kubeconfigTypes';

// Every context with its own verdict, so one broken entry (a cluster that is not defined, a CA
// file that moved, a bad URL) shows next to the working ones instead of hiding them (Headlamp's
// loader keeps the good contexts the same way). Nothing here reads a secret or runs a plugin.

export interface ExecSummary {
  command: string;
  args: string[];
  /** Names only: values can be secrets. */
  envNames: string[];
}

export interface ContextInfo {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
  server?: string;
  current: boolean;
  /** Why this context cannot be used; absent when it looks usable. */
  error?: string;
  /** Usable but worth a loud mention (TLS verification off, plain HTTP). */
  warnings: string[];
  auth: AuthKind;
  exec?: ExecSummary;
  /** The kubeconfig file that defines the context. */
  source: string;
}

export interface CheckedContext {
  context: ContextEntry;
  cluster?: ClusterEntry;
  user?: UserEntry;
  error?: string;
  warnings: string[];
}

function unreadable(what: string, path: string | undefined): string | null {
  if (path === undefined) return null;
  try {
    accessSync(path, constants.R_OK);
    return null;
  } catch (err) {
    return `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`;
  }
}

export function authKindOf(user: UserEntry | undefined): AuthKind {
  if (!user) return 'none';
  if (user.exec) return 'exec';
  if (user.tokenFile) return 'token-file';
  if (user.token) return 'token';
  if (user.username !== undefined) return 'basic';
  if (user.certFile || user.certPem) return 'client-certificate';
  return 'none';
}

export function skipVerifyWarning(contextName: string, cluster: ClusterEntry): string {
  return (
    `TLS VERIFICATION IS OFF for context "${contextName}": cluster "${cluster.name}" sets insecure-skip-tls-verify, ` +
    `so anyone on the network path can impersonate the API server and read the credentials`
  );
}

export function checkContext(kc: Kubeconfig, ctx: ContextEntry): CheckedContext {
  const warnings: string[] = [];
  const fail = (error: string, cluster?: ClusterEntry, user?: UserEntry): CheckedContext => ({ context: ctx, cluster, user, error, warnings });
  if (ctx.error) return fail(ctx.error);
  const cluster = kc.clusters.get(ctx.cluster);
  if (!cluster) return fail(`cluster "${ctx.cluster}" is not defined in the kubeconfig`);
  const user = ctx.user === '' ? undefined : kc.users.get(ctx.user);
  if (ctx.user !== '' && !user) return fail(`user "${ctx.user}" is not defined in the kubeconfig`, cluster);
  if (cluster.error) return fail(cluster.error, cluster, user);
  if (user?.error) return fail(user.error, cluster, user);
  const fileProblem =
    unreadable('certificate-authority', cluster.caFile) ??
    unreadable('client-certificate', user?.certFile) ??
    unreadable('client-key', user?.keyFile) ??
    unreadable('token-file', user?.tokenFile);
  if (fileProblem) return fail(fileProblem, cluster, user);
  if (cluster.skipTlsVerify) warnings.push(skipVerifyWarning(ctx.name, cluster));
  if (cluster.server?.startsWith('http:') && user !== undefined && authKindOf(user) !== 'none') {
    warnings.push(`context "${ctx.name}" talks plain HTTP to ${cluster.server}: its credentials cross the network unencrypted`);
  }
  return { context: ctx, cluster, user, warnings };
}

export function listContexts(kc: Kubeconfig): ContextInfo[] {
  return [...kc.contexts.values()].map((ctx) => {
    const checked = checkContext(kc, ctx);
    const user = checked.user;
    return {
      name: ctx.name,
      cluster: ctx.cluster,
      user: ctx.user,
      ...(ctx.namespace ? { namespace: ctx.namespace } : {}),
      ...(checked.cluster?.server ? { server: checked.cluster.server } : {}),
      current: ctx.name === kc.currentContext,
      ...(checked.error ? { error: checked.error } : {}),
      warnings: checked.warnings,
      auth: authKindOf(user),
      ...(user?.exec ? { exec: { command: user.exec.command, args: user.exec.args, envNames: user.exec.env.map((e) => e.name) } } : {}),
      source: ctx.source,
    };
  });
}

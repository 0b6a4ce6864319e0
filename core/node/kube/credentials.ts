import { readFileSync } from 'node:fs';
import type { ExecCredential, RunExecOptions } from './execPlugin';
import { runExecPlugin } from './execPlugin';
import type { ExecConfig } from './kubeconfigTypes';
import type { LoginPathOptions } from './loginShellPath';
import { loginShellPath } from './loginShellPath';
import type { ResolvedContext } from './resolveContext';
import type { Secret, SecretRegistry } from './secret';
import { secret } from './secret';

// What goes on each request: an Authorization header and/or a client certificate. Exec and
// token-file credentials can go stale; on a 401 the client invalidates the credential it used
// and asks again. Re-running a plugin is single-flight (KEP-541): twenty requests that all got
// 401 with the same token cause one new run, not twenty.

export interface AuthMaterial {
  /** The Authorization header value. */
  authorization?: Secret;
  /** The same credential in kubeconfig terms (for handing to client-node, see clientNodeConfig.ts). */
  bearerToken?: Secret;
  basic?: { username: string; password: Secret };
  certPem?: string;
  keyPem?: Secret;
}

export interface CredentialProvider {
  get(signal?: AbortSignal): Promise<AuthMaterial>;
  /** True when a 401 may be cured by asking again (exec plugin, token file). */
  readonly refreshable: boolean;
  /** Forget `used` (only if it is still the current one). */
  invalidate(used: AuthMaterial): void;
}

export interface CredentialOptions {
  secrets: SecretRegistry;
  /** A PATH to use as is, or how to ask the login shell for one. */
  loginPath?: string | LoginPathOptions;
  execTimeoutMs?: number;
  execMaxBytes?: number;
  /** Warnings found on the way (login shell PATH not readable ...). */
  warn?: (message: string) => void;
}

/** Renew an expiring credential this long before it expires (client-go uses a similar skew). */
const EXPIRY_SKEW_MS = 10_000;

function bearer(token: Secret): Secret {
  return secret(`Bearer ${token.reveal()}`);
}

function staticProvider(material: AuthMaterial): CredentialProvider {
  return { get: async () => material, refreshable: false, invalidate: () => undefined };
}

function cachedProvider(fetch: (signal?: AbortSignal) => Promise<{ material: AuthMaterial; expiresAt?: number }>): CredentialProvider {
  let current: { material: AuthMaterial; expiresAt?: number } | undefined;
  let inflight: Promise<{ material: AuthMaterial; expiresAt?: number }> | undefined;
  return {
    refreshable: true,
    async get(signal) {
      if (current && (current.expiresAt === undefined || current.expiresAt - EXPIRY_SKEW_MS > Date.now())) return current.material;
      inflight ??= (async () => {
        try {
          current = await fetch(signal);
          return current;
        } finally {
          inflight = undefined;
        }
      })();
      return (await inflight).material;
    },
    invalidate(used) {
      if (current?.material === used) current = undefined;
    },
  };
}

function fromExecCredential(cred: ExecCredential): AuthMaterial {
  return {
    ...(cred.token ? { authorization: bearer(cred.token), bearerToken: cred.token } : {}),
    ...(cred.clientCertificatePem ? { certPem: cred.clientCertificatePem, keyPem: cred.clientKeyPem } : {}),
  };
}

function execProvider(ctx: ResolvedContext, exec: ExecConfig, opts: CredentialOptions): CredentialProvider {
  let path: Promise<string> | undefined;
  const resolvePath = (): Promise<string> => {
    if (typeof opts.loginPath === 'string') return Promise.resolve(opts.loginPath);
    path ??= loginShellPath(opts.loginPath ?? {}).then((p) => {
      if (p.warning) opts.warn?.(p.warning);
      return p.path;
    });
    return path;
  };
  return cachedProvider(async (signal) => {
    const run: RunExecOptions = {
      contextName: ctx.name,
      path: await resolvePath(),
      secrets: opts.secrets,
      cluster: { server: ctx.server, caPem: ctx.tls.caPem, skipTlsVerify: ctx.tls.skipVerify, tlsServerName: ctx.tls.serverName, proxyUrl: ctx.proxyUrl },
      ...(opts.execTimeoutMs !== undefined ? { timeoutMs: opts.execTimeoutMs } : {}),
      ...(opts.execMaxBytes !== undefined ? { maxBytes: opts.execMaxBytes } : {}),
      ...(signal ? { signal } : {}),
    };
    const cred = await runExecPlugin(exec, run);
    return { material: fromExecCredential(cred), ...(cred.expiresAt !== undefined ? { expiresAt: cred.expiresAt } : {}) };
  });
}

/**
 * The credential source for a resolved context. Exec plugins must be approved BEFORE this is
 * called (connectContext does it); this only runs them.
 */
export function credentialProvider(ctx: ResolvedContext, opts: CredentialOptions): CredentialProvider {
  const user = ctx.user;
  const tlsPair: AuthMaterial = ctx.tls.certPem ? { certPem: ctx.tls.certPem, keyPem: ctx.tls.keyPem } : {};
  opts.secrets.add(ctx.tls.keyPem);
  if (!user) return staticProvider({});
  if (user.exec) return execProvider(ctx, user.exec, opts);
  if (user.tokenFile) {
    const file = user.tokenFile;
    // Re-read on demand: projected and rotated token files change under us.
    return cachedProvider(async () => {
      const token = readFileSync(file, 'utf8').trim();
      opts.secrets.add(token);
      return { material: { ...tlsPair, authorization: secret(`Bearer ${token}`), bearerToken: secret(token) } };
    });
  }
  if (user.token) {
    opts.secrets.add(user.token);
    return staticProvider({ ...tlsPair, authorization: bearer(user.token), bearerToken: user.token });
  }
  if (user.username !== undefined) {
    const pass = user.password?.reveal() ?? '';
    opts.secrets.add(user.password);
    const basic = Buffer.from(`${user.username}:${pass}`).toString('base64');
    opts.secrets.add(basic);
    return staticProvider({ ...tlsPair, authorization: secret(`Basic ${basic}`), basic: { username: user.username, password: secret(pass) } });
  }
  return staticProvider(tlsPair);
}

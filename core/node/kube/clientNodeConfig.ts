import { KubeConfig } from '@kubernetes/client-node';
import type { KubeClient } from './kubeClient';

// For code that needs @kubernetes/client-node itself (pods/exec over WebSocket for the debug
// pod): a KubeConfig holding the credential Proxyscope already obtained, never the user's exec
// block. Loading the user's kubeconfig into client-node directly would let its ExecAuth run
// plugins unapproved, without a time limit or output cap (client-node src/exec_auth.ts).
// Kept in its own module: importing client-node costs ~1.7 MB of bundle, only pay it here.
//
// TLS note: client-node leaves rejectUnauthorized unset unless skipTLSVerify is true, so
// NODE_TLS_REJECT_UNAUTHORIZED=0 would switch verification off there; refuse to build a config
// in that environment rather than connect unverified.

export class UnsafeTlsEnvironmentError extends Error {
  override name = 'UnsafeTlsEnvironmentError';
}

export async function toClientNodeKubeConfig(client: KubeClient, signal?: AbortSignal): Promise<KubeConfig> {
  if (process.env.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
    throw new UnsafeTlsEnvironmentError('NODE_TLS_REJECT_UNAUTHORIZED=0 is set; Proxyscope will not talk to the API server with certificate checks disabled');
  }
  const ctx = client.resolved;
  const m = await client.authMaterial(signal);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'proxyscope',
        server: ctx.server,
        skipTLSVerify: ctx.tls.skipVerify,
        ...(ctx.tls.caPem !== undefined ? { caData: Buffer.from(ctx.tls.caPem).toString('base64') } : {}),
        ...(ctx.tls.serverName !== undefined ? { tlsServerName: ctx.tls.serverName } : {}),
        ...(ctx.proxyUrl !== undefined ? { proxyUrl: ctx.proxyUrl } : {}),
      },
    ],
    users: [
      {
        name: 'proxyscope',
        ...(m.bearerToken ? { token: m.bearerToken.reveal() } : {}),
        ...(m.basic ? { username: m.basic.username, password: m.basic.password.reveal() } : {}),
        ...(m.certPem !== undefined ? { certData: Buffer.from(m.certPem).toString('base64') } : {}),
        ...(m.keyPem !== undefined ? { keyData: Buffer.from(m.keyPem.reveal()).toString('base64') } : {}),
        ...(ctx.user?.impersonateUser ? { impersonateUser: ctx.user.impersonateUser } : {}),
      },
    ],
    contexts: [{ name: ctx.name, cluster: 'proxyscope', user: 'proxyscope', ...(ctx.namespace ? { namespace: ctx.namespace } : {}) }],
    currentContext: ctx.name,
  });
  return kc;
}

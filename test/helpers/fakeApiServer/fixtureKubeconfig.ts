// The kubeconfig a test hands to Proxyscope for the fixture API server: one cluster (the
// server's CA as certificate-authority-data unless told otherwise), one user, one context that
// is also current. Values are JSON-quoted, which is valid YAML.

export interface KubeconfigOptions {
  token?: string;
  /** PEM to put in certificate-authority-data (default: the server's CA). */
  caPem?: string;
  insecureSkipTlsVerify?: boolean;
  server?: string;
  tlsServerName?: string;
  proxyUrl?: string;
  /** A `users[].user` block (4-space indented) in place of the token, e.g. an exec plugin. */
  userYaml?: string;
}

export function fixtureKubeconfig(ctxName: string, server: { url: string; caPem: string; token: string }, k: KubeconfigOptions = {}): string {
  const q = (s: string): string => JSON.stringify(s);
  const cluster = [
    `    server: ${q(k.server ?? server.url)}`,
    ...(k.insecureSkipTlsVerify ? ['    insecure-skip-tls-verify: true'] : [`    certificate-authority-data: ${Buffer.from(k.caPem ?? server.caPem).toString('base64')}`]),
    ...(k.tlsServerName ? [`    tls-server-name: ${q(k.tlsServerName)}`] : []),
    ...(k.proxyUrl ? [`    proxy-url: ${q(k.proxyUrl)}`] : []),
  ];
  const userBlock = k.userYaml ?? `    token: ${q(k.token ?? server.token)}`;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster:',
    ...cluster,
    `  name: ${q(`${ctxName}-cluster`)}`,
    'users:',
    '- user:',
    userBlock,
    `  name: ${q(`${ctxName}-user`)}`,
    'contexts:',
    '- context:',
    `    cluster: ${q(`${ctxName}-cluster`)}`,
    `    user: ${q(`${ctxName}-user`)}`,
    `  name: ${q(ctxName)}`,
    `current-context: ${q(ctxName)}`,
    '',
  ].join('\n');
}

import { describe, expect, it } from 'vitest';
import { proxyFromEnvironment } from '../../../../core/node/kube/envProxy';

// HTTPS_PROXY / HTTP_PROXY / NO_PROXY with golang.org/x/net/http/httpproxy's rules, which is
// what kubectl follows when a kubeconfig sets no proxy-url.

const P = 'http://proxy.corp:3128';

describe('proxyFromEnvironment', () => {
  it.each([
    { server: 'https://api.example.com', env: { HTTPS_PROXY: P }, want: P },
    { server: 'https://api.example.com', env: { https_proxy: P }, want: P },
    { server: 'https://api.example.com', env: { HTTPS_PROXY: 'proxy.corp:3128' }, want: P },
    { server: 'https://api.example.com', env: { HTTP_PROXY: P }, want: undefined },
    { server: 'http://api.example.com', env: { HTTP_PROXY: P }, want: P },
    { server: 'https://127.0.0.1:6443', env: { HTTPS_PROXY: P }, want: undefined },
    { server: 'https://localhost:6443', env: { HTTPS_PROXY: P }, want: undefined },
    { server: 'https://[::1]:6443', env: { HTTPS_PROXY: P }, want: undefined },
    { server: 'https://api.example.com', env: { HTTPS_PROXY: P, NO_PROXY: '*' }, want: undefined },
    { server: 'https://api.example.com', env: { HTTPS_PROXY: P, NO_PROXY: 'example.com' }, want: undefined },
    { server: 'https://api.example.com', env: { HTTPS_PROXY: P, NO_PROXY: '.example.com' }, want: undefined },
    { server: 'https://example.com', env: { HTTPS_PROXY: P, NO_PROXY: '.example.com' }, want: undefined },
    { server: 'https://notexample.com', env: { HTTPS_PROXY: P, NO_PROXY: 'example.com' }, want: P },
    { server: 'https://10.1.2.3:6443', env: { HTTPS_PROXY: P, NO_PROXY: '10.0.0.0/8' }, want: undefined },
    { server: 'https://11.1.2.3:6443', env: { HTTPS_PROXY: P, NO_PROXY: '10.0.0.0/8' }, want: P },
    { server: 'https://10.1.2.3:6443', env: { HTTPS_PROXY: P, NO_PROXY: '10.1.2.3' }, want: undefined },
    { server: 'https://api.example.com:6443', env: { HTTPS_PROXY: P, NO_PROXY: 'api.example.com:443' }, want: P },
    { server: 'https://api.example.com:6443', env: { HTTPS_PROXY: P, NO_PROXY: 'api.example.com:6443' }, want: undefined },
    { server: 'https://[fd00::5]:6443', env: { HTTPS_PROXY: P, NO_PROXY: 'fd00::/8' }, want: undefined },
  ])('$server with $env -> $want', ({ server, env, want }) => {
    expect(proxyFromEnvironment(new URL(server), env)).toBe(want);
  });
});

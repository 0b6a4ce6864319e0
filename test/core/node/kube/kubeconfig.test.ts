import { chmodSync, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeconfigError, kubeconfigPaths, listContexts, loadKubeconfig } from '../../../../core/node/kube/kubeconfig';
import { resolveContext } from '../../../../core/node/kube/resolveContext';
import type { TempDir } from '../../../helpers/fakeApiServer/kubeTestKit';
import { tempDir } from '../../../helpers/fakeApiServer/kubeTestKit';
import { generateTestCa } from '../../../helpers/fakeApiServer/testCerts';

// Kubeconfig loading as kubectl does it (--kubeconfig, KUBECONFIG merge, ~/.kube/config) and
// per-context verdicts: one broken context never hides the others.

let dir: TempDir;
let caPem: string;
const b64 = (s: string): string => Buffer.from(s).toString('base64');

beforeAll(() => {
  dir = tempDir();
  caPem = generateTestCa().certPem;
});
afterAll(() => dir?.remove());

interface Entry {
  name: string;
  body: Record<string, unknown>;
}

/** A kubeconfig as JSON (valid YAML) from compact entry lists. */
function config(parts: { clusters?: Entry[]; users?: Entry[]; contexts?: Entry[]; current?: string }): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: (parts.clusters ?? []).map((c) => ({ name: c.name, cluster: c.body })),
    users: (parts.users ?? []).map((u) => ({ name: u.name, user: u.body })),
    contexts: (parts.contexts ?? []).map((c) => ({ name: c.name, context: c.body })),
    ...(parts.current !== undefined ? { 'current-context': parts.current } : {}),
  });
}

const ctx = (name: string, cluster: string, user: string, namespace?: string): Entry => ({ name, body: { cluster, user, ...(namespace ? { namespace } : {}) } });
const cluster = (name: string, body: Record<string, unknown>): Entry => ({ name, body });

describe('kubeconfig locations', () => {
  it.each([
    { name: '--kubeconfig wins over KUBECONFIG', loc: { explicit: '/x/flag', env: { KUBECONFIG: '/x/a' } }, want: { paths: ['/x/flag'], origin: 'flag' } },
    {
      name: 'KUBECONFIG is split on the path delimiter, empty and repeated entries dropped',
      loc: { env: { KUBECONFIG: ['/x/a', '', '/x/b', '/x/a'].join(delimiter) } },
      want: { paths: ['/x/a', '/x/b'], origin: 'KUBECONFIG' },
    },
    { name: 'no KUBECONFIG means ~/.kube/config', loc: { env: {}, home: '/home/u' }, want: { paths: ['/home/u/.kube/config'], origin: 'default' } },
  ])('$name', ({ loc, want }) => {
    expect(kubeconfigPaths(loc)).toEqual(want);
  });
});

describe('KUBECONFIG merge', () => {
  it('lets the first file win per name and takes current-context from the first file that sets one', () => {
    const first = dir.file(
      'merge-first',
      config({
        clusters: [cluster('shared', { server: 'https://first.example:6443' })],
        users: [{ name: 'u', body: { token: 'first-token' } }],
        contexts: [ctx('a', 'shared', 'u'), ctx('both', 'shared', 'u', 'from-first')],
      }),
    );
    const second = dir.file(
      'merge-second',
      config({
        clusters: [cluster('shared', { server: 'https://second.example:6443' }), cluster('only2', { server: 'https://two.example' })],
        users: [{ name: 'u', body: { token: 'second-token' } }],
        contexts: [ctx('both', 'only2', 'u', 'from-second'), ctx('b', 'only2', 'u')],
        current: 'b',
      }),
    );
    const third = dir.file('merge-third', config({ current: 'a' }));
    const missing = join(dir.path, 'does-not-exist');
    const kc = loadKubeconfig({ env: { KUBECONFIG: [first, missing, second, third].join(delimiter) } });
    expect(kc.files).toEqual([
      { path: first, status: 'loaded' },
      { path: missing, status: 'missing' },
      { path: second, status: 'loaded' },
      { path: third, status: 'loaded' },
    ]);
    expect(kc.currentContext).toBe('b');
    const list = listContexts(kc);
    expect(list.map((c) => [c.name, c.server, c.namespace ?? '', c.current])).toEqual([
      ['a', 'https://first.example:6443', '', false],
      ['both', 'https://first.example:6443', 'from-first', false],
      ['b', 'https://two.example', '', true],
    ]);
    expect(resolveContext(kc, 'b').user?.token?.reveal()).toBe('first-token');
  });

  it('resolves relative file paths against the file that names them', () => {
    const sub = join(dir.path, 'sub');
    mkdirSync(sub, { recursive: true });
    dir.file('sub/ca.crt', caPem);
    const file = dir.file('sub/config', config({ clusters: [cluster('c', { server: 'https://x', 'certificate-authority': 'ca.crt' })], contexts: [ctx('c', 'c', '')] }));
    const kc = loadKubeconfig({ explicit: file });
    expect(kc.clusters.get('c')?.caFile).toBe(join(sub, 'ca.crt'));
    expect(resolveContext(kc, 'c').tls.caPem).toBe(caPem);
  });
});

describe('per-context errors', () => {
  const contexts = [
    { name: 'good', body: ctx('good', 'ok', 'tok').body },
    { name: 'no-cluster-entry', body: ctx('no-cluster-entry', 'ghost', 'tok').body },
    { name: 'no-user-entry', body: ctx('no-user-entry', 'ok', 'ghost').body },
    { name: 'bad-url', body: ctx('bad-url', 'bad-url', 'tok').body },
    { name: 'ca-file-gone', body: ctx('ca-file-gone', 'ca-gone', 'tok').body },
    { name: 'ca-and-skip', body: ctx('ca-and-skip', 'ca-and-skip', 'tok').body },
    { name: 'cert-no-key', body: ctx('cert-no-key', 'ok', 'cert-no-key').body },
    { name: 'exec-no-command', body: ctx('exec-no-command', 'ok', 'exec-no-command').body },
    { name: 'gcp-provider', body: ctx('gcp-provider', 'ok', 'gcp').body },
    { name: 'two-methods', body: ctx('two-methods', 'ok', 'two-methods').body },
    { name: 'names-no-cluster', body: { user: 'tok' } },
    { name: 'skip-verify', body: ctx('skip-verify', 'insecure', 'tok').body },
    { name: 'anonymous', body: ctx('anonymous', 'ok', '').body },
  ];
  let kcFile: string;
  beforeAll(() => {
    const unreadable = dir.file('unreadable-key', 'x', 0o000);
    chmodSync(unreadable, 0o000);
    kcFile = dir.file(
      'per-context',
      config({
        clusters: [
          cluster('ok', { server: 'https://ok.example:6443', 'certificate-authority-data': b64(caPem) }),
          cluster('bad-url', { server: 'not a url' }),
          cluster('ca-gone', { server: 'https://x', 'certificate-authority': join(dir.path, 'nope.crt') }),
          cluster('ca-and-skip', { server: 'https://x', 'certificate-authority-data': b64(caPem), 'insecure-skip-tls-verify': true }),
          cluster('insecure', { server: 'https://insecure.example', 'insecure-skip-tls-verify': true }),
        ],
        users: [
          { name: 'tok', body: { token: 'abcdefgh' } },
          { name: 'cert-no-key', body: { 'client-certificate-data': b64(caPem) } },
          { name: 'exec-no-command', body: { exec: { apiVersion: 'client.authentication.k8s.io/v1' } } },
          { name: 'gcp', body: { 'auth-provider': { name: 'gcp', config: {} } } },
          { name: 'two-methods', body: { token: 'abcdefgh', exec: { command: 'x', apiVersion: 'client.authentication.k8s.io/v1' } } },
        ],
        contexts: contexts.map((c) => ({ name: c.name, body: c.body })),
        current: 'good',
      }),
    );
  });

  it.each([
    { name: 'good', error: undefined },
    { name: 'no-cluster-entry', error: 'cluster "ghost" is not defined in the kubeconfig' },
    { name: 'no-user-entry', error: 'user "ghost" is not defined in the kubeconfig' },
    { name: 'bad-url', error: 'cluster "bad-url": server "not a url" is not a valid URL' },
    { name: 'ca-file-gone', error: `cannot read certificate-authority ${join('/', 'nope.crt')}: ENOENT` },
    { name: 'ca-and-skip', error: 'cluster "ca-and-skip": it sets both insecure-skip-tls-verify and a certificate authority' },
    { name: 'cert-no-key', error: 'user "cert-no-key": it has a client certificate but no client key' },
    { name: 'exec-no-command', error: 'user "exec-no-command": exec has no command' },
    { name: 'gcp-provider', error: 'user "gcp": auth-provider "gcp" is not supported; use its exec plugin (kubelogin, gke-gcloud-auth-plugin, ...)' },
    { name: 'two-methods', error: 'user "two-methods": it sets more than one authentication method (token, exec)' },
    { name: 'names-no-cluster', error: 'context "names-no-cluster" names no cluster' },
    { name: 'skip-verify', error: undefined },
    { name: 'anonymous', error: undefined },
  ])('context $name: $error', ({ name, error }) => {
    const info = listContexts(loadKubeconfig({ explicit: kcFile })).find((c) => c.name === name);
    expect(info).toBeDefined();
    const expected = error?.startsWith('cannot read certificate-authority') ? error.replace('/nope.crt', join(dir.path, 'nope.crt')) : error;
    expect(info?.error).toBe(expected);
  });

  it('lists every context even though most are broken, and marks the current one', () => {
    const list = listContexts(loadKubeconfig({ explicit: kcFile }));
    expect(list.map((c) => c.name)).toEqual(contexts.map((c) => c.name));
    expect(list.filter((c) => c.current).map((c) => c.name)).toEqual(['good']);
  });

  it('warns loudly about a context that skips TLS verification, and only that one', () => {
    const list = listContexts(loadKubeconfig({ explicit: kcFile }));
    const warned = list.filter((c) => c.warnings.some((w) => w.includes('TLS VERIFICATION IS OFF')));
    expect(warned.map((c) => c.name)).toEqual(['skip-verify']);
  });

  it('refuses to resolve a broken context with that context’s own error', () => {
    const kc = loadKubeconfig({ explicit: kcFile });
    expect(() => resolveContext(kc, 'no-user-entry')).toThrow('context "no-user-entry": user "ghost" is not defined in the kubeconfig');
    expect(() => resolveContext(kc, 'nope')).toThrow(/context "nope" is not in the kubeconfig \(contexts: good, /);
    expect(resolveContext(kc).name).toBe('good');
  });

  it('reports a client key file it cannot read as that context’s error', () => {
    const file = dir.file(
      'unreadable-key-config',
      config({
        clusters: [cluster('c', { server: 'https://x' })],
        users: [{ name: 'u', body: { 'client-certificate-data': b64(caPem), 'client-key': join(dir.path, 'unreadable-key') } }],
        contexts: [ctx('k', 'c', 'u'), ctx('fine', 'c', '')],
      }),
    );
    const list = listContexts(loadKubeconfig({ explicit: file }));
    // root can read a 000 file; the check is about the message when access fails.
    if (process.getuid?.() !== 0) expect(list[0].error).toMatch(/^cannot read client-key .*unreadable-key: EACCES$/);
    expect(list[1].error).toBeUndefined();
  });
});

describe('unusable kubeconfig files', () => {
  it.each([
    { name: 'a missing --kubeconfig file', setup: () => ({ explicit: join(dir.path, 'missing') }), error: /cannot read kubeconfig .*missing: no such file/ },
    { name: 'a directory', setup: () => ({ explicit: dir.path }), error: /it is a directory/ },
    { name: 'YAML that does not parse', setup: () => ({ explicit: dir.file('bad-yaml', 'clusters: [\n  token: "s3cr3t-value\n') }), error: /is not valid YAML: .* at line \d+, column \d+$/ },
    { name: 'a YAML list instead of a Config', setup: () => ({ explicit: dir.file('a-list', '- 1\n- 2\n') }), error: /is not a kubeconfig/ },
    { name: 'KUBECONFIG where no file exists', setup: () => ({ env: { KUBECONFIG: join(dir.path, 'nope1') } }), error: /no kubeconfig: none of the KUBECONFIG files exist/ },
  ])('fails with a KubeconfigError for $name', ({ setup, error }) => {
    let thrown: unknown;
    try {
      loadKubeconfig(setup());
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(KubeconfigError);
    expect((thrown as Error).message).toMatch(error);
    // The YAML error never quotes the file's lines (they can hold a token).
    expect((thrown as Error).message).not.toContain('s3cr3t-value');
  });

  it('warns when current-context names a context that does not exist', () => {
    const kc = loadKubeconfig({ explicit: dir.file('dangling', config({ contexts: [ctx('a', 'c', '')], current: 'gone' })) });
    expect(kc.warnings).toEqual(['current-context "gone" is not defined in the kubeconfig; choose a context explicitly']);
    expect(listContexts(kc).some((c) => c.current)).toBe(false);
  });

  it('reads an empty file as a kubeconfig without contexts', () => {
    const kc = loadKubeconfig({ explicit: dir.file('empty', '') });
    expect(listContexts(kc)).toEqual([]);
  });

  it('keeps the first of two entries with the same name in one file and says so', () => {
    const file = dir.file('dup', config({ clusters: [cluster('c', { server: 'https://one' }), cluster('c', { server: 'https://two' })], contexts: [ctx('x', 'c', '')] }));
    const kc = loadKubeconfig({ explicit: file });
    expect(listContexts(kc)[0].server).toBe('https://one');
    expect(kc.warnings).toEqual([`${file}: cluster "c" is defined twice; the first one is used`]);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TempDir } from '../helpers/fakeApiServer/kubeTestKit';
import { tempDir } from '../helpers/fakeApiServer/kubeTestKit';

// `proxyscope contexts`, run as a bundled command (built into a temp dir so it does not race
// other tests over out/cli) against kubeconfig files written for each case.

const ROOT = resolve(__dirname, '../..');
let dir: TempDir;
let bin: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string | undefined> = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir.path,
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: undefined, HOME: dir.path, XDG_CONFIG_HOME: join(dir.path, 'xdg'), NO_COLOR: '1', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

let main: string;
let second: string;
let marker: string;

beforeAll(async () => {
  dir = tempDir('proxyscope-contexts-');
  bin = join(dir.path, 'proxyscope.cjs');
  await build({ entryPoints: [join(ROOT, 'cli/main.ts')], outfile: bin, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error', external: ['electron', 'node-pty', '*.node'] });
  marker = join(dir.path, 'plugin-ran');
  const plugin = dir.file('plugin.sh', `#!/bin/sh\ntouch '${marker}'\n`, 0o755);
  main = dir.file(
    'config',
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: prod',
      'clusters:',
      `- name: prod\n  cluster:\n    server: https://prod.example:6443\n    certificate-authority-data: ${b64(PEM)}`,
      '- name: lab\n  cluster:\n    server: https://10.0.0.5:6443\n    insecure-skip-tls-verify: true',
      'users:',
      '- name: admin\n  user:\n    token: abcdefghijkl',
      `- name: eks\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ${plugin}\n      args: [eks, get-token]\n      env:\n      - name: AWS_PROFILE\n        value: CANARY-profile-value`,
      'contexts:',
      '- name: prod\n  context: {cluster: prod, user: admin, namespace: shop}',
      '- name: lab\n  context: {cluster: lab, user: admin}',
      '- name: broken\n  context: {cluster: gone, user: admin}',
      '- name: eks\n  context: {cluster: prod, user: eks}',
      '',
    ].join('\n'),
  );
  second = dir.file('second', 'apiVersion: v1\nkind: Config\ncurrent-context: other\nclusters:\n- name: o\n  cluster: {server: "https://other.example"}\ncontexts:\n- name: other\n  context: {cluster: o}\n- name: prod\n  context: {cluster: o}\n');
});
afterAll(() => dir?.remove());

describe('proxyscope contexts', () => {
  it('lists every context with the current one marked and a broken one showing its error', () => {
    const r = run(['contexts', '--kubeconfig', main]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^CURRENT\s+NAME\s+CLUSTER\s+USER\s+NAMESPACE\s+SERVER$/);
    expect(lines[1]).toMatch(/^\*\s+prod\s+prod\s+admin\s+shop\s+https:\/\/prod\.example:6443$/);
    expect(lines[2]).toMatch(/^\s+lab\s+lab\s+admin\s+https:\/\/10\.0\.0\.5:6443$/);
    expect(lines[3]).toMatch(/^\s+broken\s+gone\s+admin\s+error: cluster "gone" is not defined in the kubeconfig$/);
    expect(r.stdout).toMatch(/eks: \S+plugin\.sh eks get-token - not approved \(proxyscope contexts --approve-exec eks\)/);
    expect(r.stderr).toMatch(/^proxyscope: warning: TLS VERIFICATION IS OFF for context "lab"/m);
    expect(r.stdout + r.stderr).not.toContain('abcdefghijkl');
    expect(r.stdout + r.stderr).not.toContain('CANARY-profile-value');
    expect(existsSync(marker)).toBe(false);
  });

  it('merges KUBECONFIG files the way kubectl does', () => {
    const r = run(['contexts', '--format', 'json'], { KUBECONFIG: [second, main].join(delimiter) });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { currentContext: string; contexts: { name: string; server?: string; current: boolean }[] };
    expect(doc.currentContext).toBe('other');
    expect(doc.contexts.map((c) => c.name)).toEqual(['other', 'prod', 'lab', 'broken', 'eks']);
    // prod comes from the first file, which points it at cluster o.
    expect(doc.contexts.find((c) => c.name === 'prod')?.server).toBe('https://other.example');
  });

  it.each([
    { name: 'a missing --kubeconfig', args: ['--kubeconfig', 'nope.yaml'], env: {}, error: /cannot read kubeconfig .*nope\.yaml: no such file/ },
    { name: 'no kubeconfig at all', args: [], env: {}, error: /no kubeconfig: .*\.kube\/config does not exist/ },
    { name: 'a kubeconfig that is not YAML', args: ['--kubeconfig', 'bad'], env: {}, error: /is not valid YAML/, setup: () => dir.file('bad', 'a: [\n') },
  ])('exits 2 with one line on stderr for $name', ({ args, env, error, setup }) => {
    setup?.();
    const r = run(['contexts', ...args], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(error);
  });

  it('remembers an approval with --approve-exec, owner-only, without running the plugin', () => {
    const r = run(['contexts', '--kubeconfig', main, '--approve-exec', 'eks']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('approved the credential plugin of context "eks"');
    expect(r.stdout).toContain('env:     AWS_PROFILE (values not shown)');
    const store = join(dir.path, 'xdg', 'proxyscope', 'exec-approvals.json');
    expect(statSync(store).mode & 0o777).toBe(0o600);
    expect(existsSync(marker)).toBe(false);
    expect(run(['contexts', '--kubeconfig', main]).stdout).toMatch(/eks: \S+ eks get-token - approved$/m);
  });

  it('refuses --approve-exec for a context without a plugin', () => {
    const r = run(['contexts', '--kubeconfig', main, '--approve-exec', 'prod']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/context "prod" has no credential plugin/);
  });

  it('prints its help', () => {
    const r = run(['contexts', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: proxyscope contexts');
  });
});

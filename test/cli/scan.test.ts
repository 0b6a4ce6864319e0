import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApiServer } from '../helpers/fakeApiServer/fakeApiServer';
import type { FakeApiServer } from '../helpers/fakeApiServer/fakeApiServer';
import type { TempDir } from '../helpers/fakeApiServer/kubeTestKit';
import { tempDir } from '../helpers/fakeApiServer/kubeTestKit';
import { describeWithTools } from '../helpers/requireTool';
import { baseCluster } from '../helpers/scenario/faultScenarios';
import { renderKubeProxyIptables } from '../helpers/scenario/kubeProxyIptables';
import { startSshd } from '../helpers/sshd/sshdServer';
import type { SshdServer } from '../helpers/sshd/sshdServer';

// `proxyscope scan` as the bundled command: usage errors (exit 2), a scan of a 3-node fixture
// cluster whose nodes all reach one loopback sshd (exit 0, summary table, snapshot, --report),
// and a scan whose host keys are unknown (exit 1). The child runs asynchronously: the fixture
// API server lives in this process and must keep answering.

const ROOT = resolve(__dirname, '../..');
let dir: TempDir;
let bin: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [bin, 'scan', ...args], {
      cwd: dir.path,
      env: { ...process.env, KUBECONFIG: undefined, HOME: dir.path, XDG_CONFIG_HOME: join(dir.path, 'xdg'), NO_COLOR: '1', SSH_AUTH_SOCK: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  dir = tempDir('proxyscope-scan-cli-');
  bin = join(dir.path, 'proxyscope.cjs');
  // The real command, bundled as scripts/build-cli.mjs bundles it, into this test's own folder.
  await build({
    entryPoints: [join(ROOT, 'cli/main.ts')],
    outfile: bin,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
    external: ['electron', 'node-pty', '*.node'],
  });
}, 60_000);
afterAll(() => dir?.remove());

describe('proxyscope scan usage', () => {
  const cases = [
    { name: 'an unknown --via is refused', args: ['--via', 'telnet', '--out', 'x'], err: /unknown --via "telnet"; use ssh or pod/ },
    { name: '--pod-image needs --via pod', args: ['--pod-image', 'img:1', '--out', 'x'], err: /--pod-image needs --via pod/ },
    { name: 'an invalid --pod-namespace is refused', args: ['--via', 'pod', '--pod-namespace', 'Bad_NS', '--out', 'x'], err: /not a valid namespace name/ },
    { name: 'a malformed --node-override is refused', args: ['--node-override', 'worker-1=a;b', '--out', 'x'], err: /expected NODE=\[user@\]host\[:port\]/ },
    { name: '--out is required', args: ['--all'], err: /--out DIR is required/ },
    { name: '--nodes and --all together are refused', args: ['--all', '--nodes', 'a', '--out', 'x'], err: /either --nodes or --all/ },
    { name: 'a --report name without a known extension is refused', args: ['--out', 'x', '--report', 'r.pdf'], err: /\.html, \.md, \.json/ },
  ];
  it.each(cases)('$name: exit 2', async ({ args, err }) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(err);
  });
});

describe('proxyscope scan --via pod against the fixture API server', () => {
  let api: FakeApiServer;
  let kubeconfig: string;

  beforeAll(async () => {
    const state = baseCluster().build();
    const rules = renderKubeProxyIptables(state, 'worker-1', { comments: true, clusterCIDR: '10.244.0.0/16' });
    const nodeHosts = Object.fromEntries(state.nodes.map((n) => [n.metadata.name, { programs: { 'iptables-save': { stdout: rules } } }]));
    api = await startFakeApiServer({ cluster: state, nodeHosts });
    kubeconfig = dir.file('kubeconfig-pod', api.kubeconfigFor('cli-pod'));
  }, 60_000);
  afterAll(async () => {
    await api?.close();
  });

  it('scans every node through debug pods in the chosen namespace, deletes them and exits 0', async () => {
    const out = join(dir.path, 'snap-pod');
    const r = await run(['--kubeconfig', kubeconfig, '--via', 'pod', '--pod-namespace', 'ops-debug', '--pod-image', 'example.org/tools:1', '--out', out]);
    expect(r.stderr).toMatch(/worker-1: connecting to pod ops-debug\/proxyscope-[0-9a-f]{8}-0/);
    expect(r.code).toBe(0);
    for (const n of ['worker-1', 'worker-2', 'worker-3']) {
      expect(r.stdout).toMatch(new RegExp(`^${n}\\s+ok\\s`, 'm'));
      expect(existsSync(join(out, 'nodes', n, 'iptables-save.txt'))).toBe(true);
    }
    expect(api.podEvents.filter((e) => e.verb === 'create').map((e) => e.namespace)).toEqual(['ops-debug', 'ops-debug', 'ops-debug']);
    expect(api.podsMatching('app.kubernetes.io/managed-by=proxyscope')).toEqual([]);
  }, 60_000);
});

describeWithTools(['sshd', 'ssh-keygen', 'timeout'], 'proxyscope scan against a fixture cluster and a real sshd', () => {
  let api: FakeApiServer;
  let server: SshdServer;
  let kubeconfig: string;
  let knownHosts: string;

  beforeAll(async () => {
    const state = structuredClone(baseCluster().build());
    for (const n of state.nodes) if (n.status) n.status.addresses = [{ type: 'InternalIP', address: '127.0.0.1' }];
    api = await startFakeApiServer({ cluster: state });
    kubeconfig = dir.file('kubeconfig', api.kubeconfigFor('cli-scan'));
    server = await startSshd();
    knownHosts = dir.file('known_hosts', `${server.knownHostsLine}\n`);
    const rules = join(server.dir, 'rules.txt');
    writeFileSync(rules, renderKubeProxyIptables(state, 'worker-1', { comments: true, clusterCIDR: '10.244.0.0/16' }));
    server.setScript('iptables-save', `cat '${rules}'`);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await api?.close();
  });

  const sshArgs = (known = knownHosts): string[] => ['--kubeconfig', kubeconfig, '--ssh-port', String(server.port), '-i', server.clientKey.path, '--known-hosts', known];

  it('scans every node, prints the summary, writes the snapshot and the report: exit 0', async () => {
    const out = join(dir.path, 'snap-ok');
    const report = join(dir.path, 'report.json');
    const r = await run([...sshArgs(), '--all', '--out', out, '--report', report]);
    expect(r.stderr).toMatch(/worker-2: ok/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^NODE\s+STATUS\s+MESSAGE/m);
    for (const n of ['worker-1', 'worker-2', 'worker-3']) {
      expect(r.stdout).toMatch(new RegExp(`^${n}\\s+ok\\s`, 'm'));
      expect(existsSync(join(out, 'nodes', n, 'iptables-save.txt'))).toBe(true);
    }
    expect(existsSync(join(out, 'scan.json'))).toBe(true);
    const parsed = JSON.parse(readFileSync(report, 'utf8')) as { findings?: unknown[] };
    expect(Array.isArray(parsed.findings)).toBe(true);
  }, 60_000);

  it('dials a --node-override address for that node only', async () => {
    const out = join(dir.path, 'snap-override');
    const r = await run([...sshArgs(), '--nodes', 'worker-1', '--node-override', `worker-1=${server.user}@localhost:${server.port}`, '--out', out]);
    // localhost is not in known_hosts (only [127.0.0.1]:port), so the override is what was dialled.
    expect(r.stdout).toMatch(/^worker-1\s+host-key-unknown\s/m);
    expect(r.stderr).toMatch(new RegExp(`worker-1: connecting to ${server.user}@localhost:${server.port}|worker-1: connecting to localhost:${server.port}`));
    expect(r.code).toBe(1);
  }, 60_000);

  it('reports nodes whose host key is unknown and exits 1', async () => {
    const empty = dir.file('known_hosts_empty', '');
    const out = join(dir.path, 'snap-unknown');
    const r = await run([...sshArgs(empty), '--nodes', 'worker-3', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^worker-3\s+host-key-unknown\s+.*SHA256:/m);
  }, 60_000);

  it('refuses a node name the cluster does not have: exit 2', async () => {
    const r = await run([...sshArgs(), '--nodes', 'nope', '--out', join(dir.path, 'snap-nope')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not nodes of this cluster: nope/);
  }, 60_000);
});

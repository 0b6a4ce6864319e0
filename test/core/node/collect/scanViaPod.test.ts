import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSnapshot } from '../../../../core/common/analyze/analyzeSnapshot';
import type { Finding } from '../../../../core/common/model';
import { scanCluster, scanSnapshotData, writeScanSnapshot } from '../../../../core/node/collect/scan';
import type { ScanEvent, ScanOptions } from '../../../../core/node/collect/scan';
import { loadSnapshot } from '../../../../core/node/snapshot/loadSnapshot';
import { startFakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import type { FakeApiServer, FakeNodeHost } from '../../../helpers/fakeApiServer/fakeApiServer';
import type { ExpectedFinding, FaultScenario } from '../../../helpers/scenario/faultScenarios';
import { faultScenarios } from '../../../helpers/scenario/faultScenarios';
import { renderKubeProxyIptables } from '../../../helpers/scenario/kubeProxyIptables';

// `scanCluster --via pod` against the fixture API server: each node's debug pod is created,
// polled to Running, exec'd into over the WebSocket channel protocol (the fixture refuses any
// argv that is not the allowlisted wrapper) and deleted. The fixture nodes print a fault
// scenario's kube-proxy rules, so the snapshot must analyse exactly like those fixtures.

const SCENARIO = 'stale-sep-after-scale-down';
const MANAGED = 'app.kubernetes.io/managed-by=proxyscope';

function keyOf(f: Finding): ExpectedFinding {
  return { check: f.check, node: f.node, service: f.service, port: f.port, endpoint: f.endpoint };
}

describe('scanCluster --via pod against the fixture API server', () => {
  let work: string;
  let api: FakeApiServer;
  let kubeconfig: string;
  let scenario: FaultScenario;
  let names: string[];
  const hosts = new Map<string, FakeNodeHost>();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'proxyscope-podscan-'));
    scenario = faultScenarios().find((s) => s.name === SCENARIO) as FaultScenario;
    names = scenario.nodes.map((n) => n.name);
    for (const n of scenario.nodes) {
      const rules = renderKubeProxyIptables(n.state ?? scenario.state, n.name, { comments: true, clusterCIDR: scenario.clusterCIDR, faults: n.faults ?? [] });
      hosts.set(n.name, {
        programs: {
          'iptables-save': { stdout: rules },
          ip: { stdout: '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n' },
          'curl -sS --max-time 10 http://127.0.0.1:10249/proxyMode': { stdout: 'iptables' },
          curl: { stdout: '{"lastUpdated":"2026-01-01T00:00:00Z"}\n' },
        },
      });
    }
    api = await startFakeApiServer({ cluster: scenario.state, nodeHosts: Object.fromEntries(hosts), namespaces: ['proxyscope', 'debug'] });
    kubeconfig = join(work, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeconfigFor('pod-test'), { mode: 0o600 });
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  afterEach(() => {
    api.clearFaults();
    for (const [n, h] of hosts) api.setNodeHost(n, h);
  });

  const options = (extra: Partial<ScanOptions> = {}): ScanOptions => ({
    kubeconfig,
    via: 'pod',
    ssh: { knownHostsFiles: [] },
    pod: { pollMs: 10, podTimeoutSec: 10 },
    commandTimeoutSec: 20,
    ...extra,
  });

  it('scans every node through a debug pod and the snapshot analyses exactly like the fixtures', async () => {
    const before = api.podEvents.length;
    const events: ScanEvent[] = [];
    const result = await scanCluster(options({ onProgress: (e) => events.push(e) }));
    expect(result.nodes.map((n) => [n.node, n.status])).toEqual(names.map((n) => [n, 'ok']));
    expect(result.info.via).toBe('pod');
    expect(result.info.pod).toMatchObject({ namespace: 'proxyscope', image: 'docker.io/library/debian:bookworm-slim', swept: [] });
    const w1 = result.nodes[0];
    expect(w1.commands.find((c) => c.id === 'ipvsadm')).toMatchObject({ status: 'command-missing', exitCode: 127 });
    expect(w1.commands.find((c) => c.id === 'iptables-save')).toMatchObject({ status: 'ok', exitCode: 0, saved: true });
    expect(w1.address).toMatch(/^pod proxyscope\/proxyscope-[0-9a-f]{8}-0$/);
    expect(events.filter((e) => e.type === 'command-done')).toHaveLength(3 * w1.commands.length);
    // The fixture ran nothing it had to refuse.
    expect(api.execs.filter((x) => x.outcome === 'refused')).toEqual([]);
    expect(new Set(api.execs.map((x) => x.protocol))).toEqual(new Set(['v5.channel.k8s.io']));

    const out = join(work, 'snap-pod');
    await writeScanSnapshot(result, out);
    const snapshot = await loadSnapshot(out);
    const analysis = analyzeSnapshot(snapshot);
    expect(analysis.findings.filter((f) => f.severity !== 'info').map(keyOf)).toEqual(scenario.expected);
    const direct = analyzeSnapshot({
      source: 'fixtures',
      clusterJson: result.clusterJson,
      nodes: scenario.nodes.map((n) => ({ name: n.name, files: { 'iptables-save.txt': hosts.get(n.name)?.programs['iptables-save'].stdout ?? '' } })),
    });
    expect(analysis.findings.map(keyOf)).toEqual(direct.findings.map(keyOf));
    expect(JSON.parse(readFileSync(join(out, 'scan.json'), 'utf8'))).toMatchObject({ via: 'pod', pod: { namespace: 'proxyscope' } });

    // One pod per node, each deleted, none left.
    const mine = api.podEvents.slice(before);
    expect(mine.filter((e) => e.verb === 'create').map((e) => e.node).sort()).toEqual(names);
    expect(mine.filter((e) => e.verb === 'delete').map((e) => e.name).sort()).toEqual(mine.filter((e) => e.verb === 'create').map((e) => e.name).sort());
    expect(api.podsMatching(MANAGED)).toEqual([]);
  }, 60_000);

  it('creates a privileged hostNetwork hostPID pod pinned to the node, tolerating every taint, labelled, in its own namespace', async () => {
    const before = api.podEvents.length;
    const result = await scanCluster(options({ nodes: [names[1]], pod: { pollMs: 10, namespace: 'debug', image: 'example.org/tools:1' } }));
    expect(result.nodes[0].status).toBe('ok');
    const created = api.podEvents.slice(before).find((e) => e.verb === 'create');
    expect(created?.namespace).toBe('debug');
    const pod = created?.sent as { metadata: { labels: Record<string, string>; namespace: string }; spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };
    expect(pod.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'proxyscope', 'proxyscope.io/run': result.info.pod?.runId });
    expect(pod.metadata.namespace).toBe('debug');
    expect(pod.spec).toMatchObject({
      nodeName: names[1],
      hostNetwork: true,
      hostPID: true,
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      tolerations: [{ operator: 'Exists' }],
    });
    expect(pod.spec.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(pod.spec.containers).toHaveLength(1);
    expect(pod.spec.containers[0]).toMatchObject({ image: 'example.org/tools:1', securityContext: { privileged: true } });
    expect(pod.spec.containers[0].command).toEqual(['sleep', String(pod.spec.activeDeadlineSeconds)]);
    // Every exec is the nsenter wrapper around an allowlisted argv; never nodes/proxy.
    const execs = api.execs.filter((x) => x.namespace === 'debug');
    expect(execs.length).toBeGreaterThan(0);
    for (const x of execs) expect(x.argv.slice(0, 9)).toEqual(['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--']);
    expect(api.requests.some((r) => /\/proxy(\/|$)/.test(r.path))).toBe(false);
  }, 60_000);

  it('deletes the debug pods when the scan is cancelled mid-command, and the next scan sweeps a leftover pod', async () => {
    const hung = names[0];
    api.setNodeHost(hung, { programs: { 'iptables-save': { hang: true } } });
    const controller = new AbortController();
    const before = api.podEvents.length;
    const execsBefore = api.execs.length;
    const onProgress = (e: ScanEvent): void => {
      if (e.type === 'command-start' && e.node === hung && e.command === 'iptables-save') {
        const poll = setInterval(() => {
          if (api.execs.slice(execsBefore).some((x) => x.node === hung && x.argv.includes('iptables-save') && x.exitCode === undefined)) {
            clearInterval(poll);
            controller.abort();
          }
        }, 5);
      }
    };
    const result = await scanCluster(options({ signal: controller.signal, onProgress, parallelism: 1 }));
    expect(result.nodes.map((n) => n.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(result.nodes[0].commands.find((c) => c.id === 'iptables-save')?.status).toBe('cancelled');
    const mine = api.podEvents.slice(before);
    const createdNames = mine.filter((e) => e.verb === 'create').map((e) => e.name);
    expect(createdNames).toHaveLength(1);
    expect(mine.filter((e) => e.verb === 'delete').map((e) => e.name)).toEqual(createdNames);
    // The running exec was closed by the client (stdin EOF stops the command on a node).
    expect(api.execs.slice(execsBefore).find((x) => x.node === hung && x.argv.includes('iptables-save'))?.outcome).toBe('closed-by-client');
    expect(api.podsMatching(MANAGED)).toEqual([]);

    // A crashed run's pod (same label, other run id) is swept at the start of the next scan.
    api.addPod({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'proxyscope-deadbeef-0', namespace: 'proxyscope', labels: { 'app.kubernetes.io/managed-by': 'proxyscope', 'proxyscope.io/run': 'deadbeef' } },
      spec: { nodeName: names[2], containers: [{ name: 'proxyscope', image: 'x' }] },
      status: { phase: 'Running' },
    });
    // A terminal someone has open (role terminal) is not the scan's to delete.
    const terminalPod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'proxyscope-tcafe0000-0',
        namespace: 'proxyscope',
        labels: { 'app.kubernetes.io/managed-by': 'proxyscope', 'proxyscope.io/run': 'tcafe0000', 'proxyscope.io/role': 'terminal' },
      },
      spec: { nodeName: names[2], containers: [{ name: 'proxyscope', image: 'x' }] },
      status: { phase: 'Running' },
    };
    api.addPod(terminalPod);
    const next = await scanCluster(options({ nodes: [names[1]] }));
    expect(next.info.pod?.swept).toEqual(['proxyscope-deadbeef-0']);
    expect(next.info.warnings.join('\n')).toMatch(/deleted 1 debug pod\(s\) an earlier run left in namespace proxyscope: proxyscope-deadbeef-0/);
    expect(api.podEvents.some((e) => e.verb === 'delete' && e.name === 'proxyscope-deadbeef-0')).toBe(true);
    expect(api.podEvents.some((e) => e.verb === 'delete' && e.name === 'proxyscope-tcafe0000-0')).toBe(false);
    expect(api.podsMatching(MANAGED).map((p) => (p.metadata as { name: string }).name)).toEqual(['proxyscope-tcafe0000-0']);
    api.removePod('proxyscope', 'proxyscope-tcafe0000-0');
  }, 60_000);

  it('sweeps leftover pods over every page of the list, not only the first 500', async () => {
    const leftovers = Array.from({ length: 503 }, (_, i) => `proxyscope-old${String(i).padStart(4, '0')}-0`);
    for (const name of leftovers) {
      api.addPod({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'proxyscope', labels: { 'app.kubernetes.io/managed-by': 'proxyscope', 'proxyscope.io/run': 'old' } },
        spec: { nodeName: names[0], containers: [{ name: 'proxyscope', image: 'x' }] },
        status: { phase: 'Running' },
      });
    }
    const next = await scanCluster(options({ nodes: [names[1]] }));
    expect([...(next.info.pod?.swept ?? [])].sort()).toEqual(leftovers);
    expect(api.podsMatching(MANAGED)).toEqual([]);
  }, 120_000);

  it('reports a pod stuck Pending as timeout with the reason, deletes it and still scans the other nodes', async () => {
    const stuck = names[1];
    api.setNodeHost(stuck, { programs: {}, podStuck: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "example.org/none:1"' } });
    const result = await scanCluster(options({ pod: { pollMs: 10, podTimeoutSec: 1 } }));
    const byNode = new Map(result.nodes.map((n) => [n.node, n]));
    expect(byNode.get(stuck)?.status).toBe('timeout');
    expect(byNode.get(stuck)?.message).toMatch(/not running after 1 s: phase Pending; ImagePullBackOff: Back-off pulling image "example.org\/none:1"/);
    expect(byNode.get(stuck)?.commands).toEqual([]);
    expect(byNode.get(names[0])?.status).toBe('ok');
    expect(byNode.get(names[2])?.status).toBe('ok');
    expect(api.podsMatching(MANAGED)).toEqual([]);
  }, 60_000);

  const refusals = [
    {
      name: 'pods/exec',
      path: /^\/api\/v1\/namespaces\/proxyscope\/pods\/[^/]+\/exec$/,
      message: /forbidden: may not create pods\/exec "proxyscope-[0-9a-f]{8}-\d" in namespace proxyscope \(RBAC verb "create" on resource "pods\/exec"\); the API server said: .*cannot create resource "pods\/exec"/,
    },
    {
      name: 'pods create',
      path: '/api/v1/namespaces/proxyscope/pods',
      message: /forbidden: may not create pods "proxyscope-[0-9a-f]{8}-\d" in namespace proxyscope \(RBAC verb "create" on resource "pods"\)/,
    },
  ];
  it.each(refusals)('turns a 403 on $name into auth-failed naming the verb and resource, and prints the minimal Role', async ({ path, message }) => {
    api.script(path, { kind: 'forbidden' });
    const result = await scanCluster(options());
    expect(result.nodes.map((n) => n.status)).toEqual(['auth-failed', 'auth-failed', 'auth-failed']);
    for (const n of result.nodes) expect(n.message).toMatch(message);
    const role = result.info.warnings.find((w) => w.includes('kind: Role')) ?? '';
    expect(role).toMatch(/resources: \["pods\/exec"\]\n {2}verbs: \["get", "create"\]/);
    expect(role).toMatch(/namespace: "proxyscope"/);
    expect(role).not.toMatch(/nodes\/proxy"/);
    expect(api.podsMatching(MANAGED)).toEqual([]);
  }, 60_000);

  it('says the namespace is missing when pods cannot be created there', async () => {
    const result = await scanCluster(options({ nodes: [names[0]], pod: { namespace: 'nowhere', pollMs: 10 } }));
    expect(result.nodes[0].status).toBe('unreachable');
    expect(result.nodes[0].message).toMatch(/the namespace does not exist/);
  }, 60_000);

  it('keeps the output of a scan through pods loadable as a snapshot with node.json per node', async () => {
    const result = await scanCluster(options({ nodes: [names[2]] }));
    const data = scanSnapshotData(result, 'mem');
    const nodeJson = JSON.parse(data.nodes[0].files['node.json']) as { status: string; address: string };
    expect(nodeJson).toMatchObject({ status: 'ok' });
    expect(nodeJson.address).toMatch(/^pod proxyscope\//);
  }, 60_000);
});

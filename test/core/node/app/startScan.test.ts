import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { ApiEvent, ScanRequest } from '../../../../core/common/contract';
import { createBackend } from '../../../../core/node/app/backend';
import type { Backend } from '../../../../core/node/app/backendTypes';
import { startFakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import type { FakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import { describeWithTools } from '../../../helpers/requireTool';
import type { FaultScenario } from '../../../helpers/scenario/faultScenarios';
import { faultScenarios } from '../../../helpers/scenario/faultScenarios';
import { renderKubeProxyIptables } from '../../../helpers/scenario/kubeProxyIptables';
import { waitUntilGone, waitUntilRunning } from '../../../helpers/sshd/processes';
import { generateKey, startSshd } from '../../../helpers/sshd/sshdServer';
import type { KeyPair, SshdServer } from '../../../helpers/sshd/sshdServer';
import { onLoopback, value, waitFor } from '../../../helpers/apiTestKit';

// startScan end to end, as test/core/node/collect/scan.test.ts sets it up: the fixture API
// server serves a 3-node cluster on loopback, each node is a real sshd whose fake iptables-save
// prints that node's kube-proxy rules (worker-2 missed a scale-down). The backend's HOME holds
// the known_hosts; the scan's events become scan-node events and the snapshot a session.

const SCENARIO = 'stale-sep-after-scale-down';
const SLEEP_MARKER = 'sleep 32.75';




describeWithTools(['sshd', 'ssh-keygen', 'pgrep', 'timeout'], 'startScan over real sshd nodes', () => {
  let home: string;
  let api: FakeApiServer;
  let kubeconfig: string;
  let scenario: FaultScenario;
  let key: KeyPair;
  let backend: Backend;
  const servers = new Map<string, SshdServer>();
  const events: ApiEvent[] = [];
  let names: string[];

  beforeAll(async () => {
    vi.stubEnv('XDG_CONFIG_HOME', '');
    vi.stubEnv('SSH_AUTH_SOCK', '');
    home = mkdtempSync(join(tmpdir(), 'proxyscope-appscan-'));
    scenario = faultScenarios().find((s) => s.name === SCENARIO) as FaultScenario;
    const state = onLoopback(scenario.state);
    names = scenario.nodes.map((n) => n.name);
    api = await startFakeApiServer({ cluster: state });
    kubeconfig = join(home, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeconfigFor('app-scan'), { mode: 0o600 });
    key = await generateKey(home, 'scan_client');
    const started = await Promise.all(names.map(() => startSshd()));
    scenario.nodes.forEach((n, i) => {
      const server = started[i];
      servers.set(n.name, server);
      server.authorize(key.publicLine);
      const rulesFile = join(server.dir, 'rules.txt');
      writeFileSync(rulesFile, renderKubeProxyIptables(n.state ?? state, n.name, { comments: true, clusterCIDR: scenario.clusterCIDR, faults: n.faults ?? [] }));
      server.setScript('iptables-save', `cat '${rulesFile}'`);
      server.setScript('curl', 'case "$4" in */proxyMode) echo iptables;; *) echo "# metrics";; esac');
    });
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    writeFileSync(join(home, '.ssh', 'known_hosts'), [...servers.values()].map((s) => s.knownHostsLine).join('\n') + '\n');
    backend = createBackend({ version: 'test', demoDir: join(__dirname, '..', '..', '..', '..', 'assets', 'demo'), home, tmpDir: home });
    backend.onEvent((e) => events.push(e));
  }, 60_000);

  afterAll(async () => {
    await backend?.dispose();
    await Promise.all([...servers.values()].map((s) => s.stop()));
    await api?.close();
    vi.unstubAllEnvs();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const request = (): ScanRequest => ({
    context: 'app-scan',
    kubeconfig,
    via: 'ssh',
    ssh: { identityFile: key.path, perNode: Object.fromEntries(names.map((n) => [n, { port: servers.get(n)?.port ?? 0 }])) },
  });

  it('reports every node through scan-node events and opens the scanned snapshot as a session', async () => {
    const { scanId } = value(await backend.startScan(request()));
    const done = await waitFor(() => events.find((e): e is Extract<ApiEvent, { type: 'scan-done' }> => e.type === 'scan-done' && e.scanId === scanId));
    expect(done.error).toBeUndefined();
    const nodeEvents = events.filter((e): e is Extract<ApiEvent, { type: 'scan-node' }> => e.type === 'scan-node' && e.scanId === scanId);
    for (const n of names) {
      const states = nodeEvents.filter((e) => e.node === n).map((e) => e.state);
      expect(states[0]).toBe('queued');
      expect(states).toContain('connecting');
      expect(states).toContain('collecting');
      expect(states[states.length - 1]).toBe('ok');
    }
    const sessionId = done.sessionId as string;
    const analysis = value(await backend.analysis({ sessionId }));
    expect(analysis.nodes.map((n) => [n.node, n.status, n.mode])).toEqual(names.map((n) => [n, 'analyzed', 'iptables']));
    const actionable = analysis.findings.filter((f) => f.severity !== 'info').map((f) => ({ check: f.check, node: f.node, service: f.service, port: f.port, endpoint: f.endpoint }));
    expect(actionable).toEqual(scenario.expected);
    const files = value(await backend.ruleFiles({ sessionId, node: names[0] }));
    expect(files.map((f) => f.name)).toContain('iptables-save.txt');
    // The bearer token never reaches the session's export.
    const exported = value(await backend.exportSnapshot({ sessionId }));
    expect(Buffer.from(exported.data, 'base64').toString('latin1')).not.toContain(api.token);
  }, 60_000);

  it('cancels a running scan through its id and reports scan-done cancelled', async () => {
    const first = names[0];
    const server = servers.get(first) as SshdServer;
    server.setScript('iptables-save', `exec ${SLEEP_MARKER}`);
    try {
      const { scanId } = value(await backend.startScan(request()));
      await waitFor(() => events.find((e) => e.type === 'scan-node' && e.scanId === scanId && e.node === first && e.message === 'running iptables-save'));
      expect(await waitUntilRunning(SLEEP_MARKER, 10_000)).toBe(true);
      expect(value(await backend.cancel({ id: scanId }))).toBe(true);
      const done = await waitFor(() => events.find((e) => e.type === 'scan-done' && e.scanId === scanId));
      expect(done).toMatchObject({ sessionId: null, error: { code: 'cancelled' } });
      expect(await waitUntilGone([SLEEP_MARKER], 15_000)).toEqual([]);
    } finally {
      server.setScript('iptables-save', `cat '${join(server.dir, 'rules.txt')}'`);
    }
  }, 60_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AnalysisResult, CheckId, Finding, SnapshotData } from '../../core/common/model';
import { analyzeSnapshot } from '../../core/common/analyze/analyzeSnapshot';
import { loadSnapshot } from '../../core/node/snapshot/loadSnapshot';
import { describeWithTools } from '../helpers/requireTool';
import type { FaultScenario } from '../helpers/scenario/faultScenarios';
import { baseCluster } from '../helpers/scenario/faultScenarios';
import type { IpvsInputFault } from '../helpers/scenario/ipvsFaults';
import type { IpvsScenario } from '../helpers/scenario/ipvsScenarios';
import { ipvsScenarioSnapshot } from '../helpers/scenario/ipvsScenarioSnapshot';
import { nftScenarioDumps, nftScenarioSnapshot } from '../helpers/scenario/nftScenarioSnapshot';
import { scenarioSnapshot } from '../helpers/scenario/scenarioSnapshot';
import { writeSnapshotDir } from '../helpers/scenario/snapshotFiles';

// The same answer in every mode: ONE cluster whose nodes drifted from the API in five ways
// (a stale backend, a not-ready backend, a missing backend, a Service port not programmed, the
// orphan rules of a deleted Service) is rendered as kube-proxy would program it in iptables mode
// (loaded into a private netns with the real iptables-restore, read back with iptables-save), in
// nftables mode (real `nft -f`, read back as `nft list ruleset` and as `nft -j list ruleset`) and
// in IPVS mode (ipvsadm/ipset/ip-addr as the tools print them; this kernel has no IPVS; the IPVS
// proxier's iptables rules through the real iptables). The five core checks must report the same
// findings, field for field, whatever the mode.
//
// One difference is by design and asserted as such: IPVS programs no name anywhere (no chain, no
// comment), so the virtual servers of a Service the API no longer has cannot be attributed to it;
// the orphan finding is there, on the same node, but names no Service, port or protocol.

const CORE: readonly CheckId[] = ['stale-backend', 'not-ready-backend', 'missing-backend', 'service-not-programmed', 'orphan-rules'];
const CLUSTER_CIDR = '10.244.0.0/16';

const before = baseCluster().service('shop/legacy', { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }).pods('shop/legacy', 2);
const goneWeb = before.podsOf('shop/web')[2];
const now = before.clone().removeService('shop/legacy').scale('shop/web', 2);
const freshWeb = now.podsOf('shop/web')[0];
const sickApi = now.podsOf('shop/api')[0];
now.setPod(sickApi.name, { ready: false });
const state = now.build();
const old = before.build();

/** Per node what its kube-proxy got wrong: input faults, which all three writers take. */
const nodes: { name: string; faults: IpvsInputFault[] }[] = [
  {
    name: 'worker-1',
    faults: [
      { kind: 'ignore-readiness', service: 'shop/api', ip: sickApi.ip },
      { kind: 'old-state', service: 'shop/legacy', state: old },
    ],
  },
  {
    name: 'worker-2',
    faults: [
      { kind: 'old-state', service: 'shop/web', state: old },
      { kind: 'drop-service-port', service: 'kube-system/kube-dns', port: 'metrics' },
    ],
  },
  { name: 'worker-3', faults: [{ kind: 'drop-endpoint', service: 'shop/web', ip: freshWeb.ip }] },
];

const scenario: FaultScenario = {
  name: 'same-answer',
  story: 'Five kinds of drift on three nodes, told the same way to every mode.',
  state,
  clusterCIDR: CLUSTER_CIDR,
  nodes,
  expected: [],
};

interface Key {
  check: CheckId;
  node: string | null;
  service: string | null;
  port: string | null;
  protocol: string | null;
  endpoint: string | null;
}

const EXPECTED: Key[] = [
  { check: 'not-ready-backend', node: 'worker-1', service: 'shop/api', port: '8080', protocol: 'tcp', endpoint: `${sickApi.ip}:8080` },
  { check: 'orphan-rules', node: 'worker-1', service: 'shop/legacy', port: 'http', protocol: 'tcp', endpoint: null },
  { check: 'service-not-programmed', node: 'worker-2', service: 'kube-system/kube-dns', port: 'metrics', protocol: 'tcp', endpoint: null },
  { check: 'stale-backend', node: 'worker-2', service: 'shop/web', port: 'http', protocol: 'tcp', endpoint: `${goneWeb.ip}:8080` },
  { check: 'missing-backend', node: 'worker-3', service: 'shop/web', port: 'http', protocol: 'tcp', endpoint: `${freshWeb.ip}:8080` },
];

function sorted(keys: Key[]): Key[] {
  const s = (k: Key) => JSON.stringify([k.node, k.check, k.service, k.port, k.protocol, k.endpoint]);
  return [...keys].sort((a, b) => (s(a) < s(b) ? -1 : s(a) > s(b) ? 1 : 0));
}

function coreKeys(result: AnalysisResult): Key[] {
  const keyOf = (f: Finding): Key => ({ check: f.check, node: f.node, service: f.service, port: f.port, protocol: f.protocol, endpoint: f.endpoint });
  return sorted(result.findings.filter((f) => CORE.includes(f.check)).map(keyOf));
}

const work = mkdtempSync(join(tmpdir(), 'proxyscope-same-answer-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function analyzeThroughDisk(tag: string, snapshot: SnapshotData): Promise<AnalysisResult> {
  const dir = join(work, tag);
  writeSnapshotDir(dir, snapshot);
  return analyzeSnapshot(await loadSnapshot(dir));
}

describeWithTools(['iptables-restore', 'iptables-save', 'nft', 'ipset', 'unshare', 'netns'], 'the same cluster drift gives the same core findings in every mode', () => {
  const results = new Map<string, AnalysisResult>();
  beforeAll(async () => {
    const nft = nftScenarioDumps(scenario);
    const ipvs: IpvsScenario = { ...scenario, nodes, shared: true };
    const snapshots: [string, SnapshotData][] = [
      ['iptables', scenarioSnapshot(scenario, { comments: true })],
      ['iptables, large-cluster mode (no comments)', scenarioSnapshot(scenario, { comments: false })],
      ['nftables (nft list ruleset)', nftScenarioSnapshot(scenario, nft, 'text')],
      ['nftables (nft -j list ruleset)', nftScenarioSnapshot(scenario, nft, 'json')],
      ['ipvs', ipvsScenarioSnapshot(ipvs)],
    ];
    for (const [tag, snap] of snapshots) results.set(tag, await analyzeThroughDisk(tag.replace(/\W+/g, '-'), snap));
  }, 120_000);

  it.each(['iptables', 'iptables, large-cluster mode (no comments)', 'nftables (nft list ruleset)', 'nftables (nft -j list ruleset)', 'ipvs'])(
    '%s: every node is analyzed in its mode',
    (tag) => {
      const res = results.get(tag) as AnalysisResult;
      const mode = tag.startsWith('nftables') ? 'nftables' : tag.startsWith('ipvs') ? 'ipvs' : 'iptables';
      expect(res.nodes.map((n) => [n.node, n.status, n.mode])).toEqual(['worker-1', 'worker-2', 'worker-3'].map((n) => [n, 'analyzed', mode]));
    },
  );

  it('iptables reports exactly the five injected faults', () => {
    expect(coreKeys(results.get('iptables') as AnalysisResult)).toEqual(sorted(EXPECTED));
  });

  it.each(['iptables, large-cluster mode (no comments)', 'nftables (nft list ruleset)', 'nftables (nft -j list ruleset)'])('%s gives the same core findings as iptables, field for field', (tag) => {
    expect(coreKeys(results.get(tag) as AnalysisResult)).toEqual(coreKeys(results.get('iptables') as AnalysisResult));
  });

  it('ipvs gives the same core findings, except that it cannot name the deleted Service of an orphan', () => {
    const unnamed = (k: Key): Key => (k.check === 'orphan-rules' ? { ...k, service: null, port: null, protocol: null } : k);
    expect(coreKeys(results.get('ipvs') as AnalysisResult)).toEqual(sorted(coreKeys(results.get('iptables') as AnalysisResult).map(unnamed)));
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Finding, SnapshotData } from '../../core/common/model';
import { analyzeSnapshot } from '../../core/common/analyze/analyzeSnapshot';
import { loadSnapshot } from '../../core/node/snapshot/loadSnapshot';
import { describeWithTools } from '../helpers/requireTool';
import type { ExpectedFinding, FaultScenario } from '../helpers/scenario/faultScenarios';
import { faultScenarios } from '../helpers/scenario/faultScenarios';
import type { NftFiles, NftNodeDump } from '../helpers/scenario/nftScenarioSnapshot';
import { NFT_JSON_FILE, NFT_TEXT_FILE, nftScenarioDumps, nftScenarioSnapshot } from '../helpers/scenario/nftScenarioSnapshot';
import { writeSnapshotDir } from '../helpers/scenario/snapshotFiles';

// End to end through the REAL nftables: each scenario's kube-proxy nftables transaction (with
// the same injected faults as realIptables.test.ts) is loaded into the kernel of a private network
// namespace with `nft -f`, read back with `nft list ruleset` (nft.txt) and `nft -j list ruleset`
// (nft.json), written as a snapshot directory, loaded with the snapshot reader and analysed. The
// analysis must report exactly the injected faults and nothing on healthy nodes, from the text
// listing alone, from the JSON alone and from both. Info findings are notes, not faults, and are
// left out of the comparison.
//
// lb-skew is not run here: kube-proxy's nftables mode picks endpoints with `numgen random mod N
// vmap`, which has no per-endpoint probabilities to skew.

const work = mkdtempSync(join(tmpdir(), 'proxyscope-e2e-nft-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Key = ExpectedFinding;

function keyOf(f: Finding): Key {
  return { check: f.check, node: f.node, service: f.service, port: f.port, endpoint: f.endpoint };
}

function sorted(keys: Key[]): Key[] {
  const s = (k: Key) => JSON.stringify([k.check, k.node, k.service, k.port, k.endpoint]);
  return [...keys].sort((a, b) => (s(a) < s(b) ? -1 : s(a) > s(b) ? 1 : 0));
}

async function analyzeThroughDisk(s: FaultScenario, snapshot: SnapshotData, tag: string) {
  const dir = join(work, `${s.name}-${tag}`);
  writeSnapshotDir(dir, snapshot);
  return analyzeSnapshot(await loadSnapshot(dir));
}

const scenarios = faultScenarios().filter((s) => s.name !== 'lb-skew');
const fileSets: { files: NftFiles; mode: string }[] = [
  { files: 'text', mode: 'nft.txt only' },
  { files: 'json', mode: 'nft.json only' },
  { files: 'both', mode: 'nft.txt and nft.json' },
];
const cases = scenarios.flatMap((s) => fileSets.map((f) => ({ ...f, scenario: s, name: s.name })));

describeWithTools(['netns', 'nft'], 'real nftables end to end', () => {
  // One real round trip per scenario node, shared by the three file sets.
  const dumps = new Map<string, NftNodeDump[]>();
  beforeAll(() => {
    for (const s of scenarios) dumps.set(s.name, nftScenarioDumps(s));
  });

  it('covers every fault scenario except lb-skew', () => {
    expect(scenarios.map((s) => s.name)).toEqual(faultScenarios().map((s) => s.name).filter((n) => n !== 'lb-skew'));
    expect(scenarios.length).toBeGreaterThanOrEqual(9);
  });

  it.each(cases)('$name ($mode): reports exactly the injected faults', async ({ scenario, files, mode }) => {
    const snapshot = nftScenarioSnapshot(scenario, dumps.get(scenario.name) ?? [], files);
    const result = await analyzeThroughDisk(scenario, snapshot, mode.replace(/\W+/g, '-'));
    const actionable = result.findings.filter((f) => f.severity !== 'info').map(keyOf);
    expect(sorted(actionable)).toEqual(sorted(scenario.expected));
    expect(result.nodes.map((n) => [n.status, n.mode])).toEqual(scenario.nodes.map(() => ['analyzed', 'nftables']));
  });

  it('stores what the real nft lists, not kube-proxy\'s transaction', () => {
    const [first] = dumps.get('healthy-3-nodes') ?? [];
    const snapshot = nftScenarioSnapshot(scenarios[0], [first], 'both');
    const files = snapshot.nodes[0].files;
    expect(files[NFT_TEXT_FILE]).toMatch(/^table ip kube-proxy \{\n\tcomment "rules for kube-proxy"\n/);
    expect(files[NFT_TEXT_FILE]).toContain('type filter hook prerouting priority dstnat - 10; policy accept;');
    expect(files[NFT_TEXT_FILE]).toMatch(/numgen random mod 3 vmap \{ 0 : goto endpoint-[A-Z2-7]{8}-shop\/web\/tcp\/http__/);
    expect(JSON.parse(files[NFT_JSON_FILE]).nftables[0].metainfo.json_schema_version).toBe(1);
    expect(first.transaction).toMatch(/^add table ip kube-proxy /);
  });
});

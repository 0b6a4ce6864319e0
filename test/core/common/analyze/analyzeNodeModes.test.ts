import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeNode } from '../../../../core/common/analyze/analyzeNode';
import { analyzeSnapshot } from '../../../../core/common/analyze/analyzeSnapshot';
import { prepareCluster } from '../../../../core/common/analyze/prepareCluster';
import type { Finding } from '../../../../core/common/model';
import { toClusterJson } from '../../../helpers/scenario/clusterJson';
import { faultScenarios } from '../../../helpers/scenario/faultScenarios';
import { NODE, cluster, iptablesFiles, ipvsFiles, nftFiles } from './_modeNodes';
import { NODE as OVERALL_NODE, clusterJson, overallCluster } from './_overallSnapshot';

const CORPUS = join(__dirname, '..', '..', '..', 'fixtures', 'corpus', 'nftables');
const corpus = (name: string) => readFileSync(join(CORPUS, name), 'utf8');
const actionable = (fs: Finding[]) => fs.filter((f) => f.severity !== 'info');

describe('analyzeNode in every mode', () => {
  const c = cluster();
  it.each([
    { mode: 'iptables', files: iptablesFiles(), decoded: 'iptables-save.txt' },
    { mode: 'nftables', files: nftFiles(), decoded: 'nft.txt' },
    { mode: 'ipvs', files: ipvsFiles(), decoded: 'ipvsadm.txt' },
  ])('decodes a healthy $mode node into the same Service ports and backends, with no finding', ({ mode, files, decoded }) => {
    const res = analyzeNode({ name: NODE, files }, c, { clock: () => 0 });
    expect(res.summary).toMatchObject({ status: 'analyzed', mode, servicePorts: 6, backends: 12, malformedLines: 0 });
    expect(res.summary.ruleCount).toBeGreaterThan(0);
    expect(res.programmed.map((p) => [p.mode, p.family, p.facts.file])).toEqual([[mode, 4, `nodes/${NODE}/${decoded}`]]);
    expect(actionable(res.findings)).toEqual([]);
    expect(res.digest?.servicePorts.every((d) => d.matchesExpected)).toBe(true);
    expect(res.timings).toEqual({ parse: 0, decode: 0, check: 0 });
  });

  it('reads nft.json when both nft captures are there, and counts its rules once', () => {
    const files = { 'nft.json': corpus('derived-nft-1.0.6-j-list-ruleset-of-k8s-test-overall.json'), 'nft.txt': corpus('derived-nft-1.0.6-a-list-ruleset-of-k8s-test-overall.nft') };
    const overall = prepareCluster(clusterJson(overallCluster()));
    const both = analyzeNode({ name: OVERALL_NODE, files }, overall);
    const jsonOnly = analyzeNode({ name: OVERALL_NODE, files: { 'nft.json': files['nft.json'] } }, overall);
    expect(both.programmed[0].facts.file).toBe(`nodes/${OVERALL_NODE}/nft.json`);
    expect(both.summary).toMatchObject({ mode: 'nftables', files: ['nft.json', 'nft.txt'], ruleCount: jsonOnly.summary.ruleCount, servicePorts: 6 });
    expect(actionable(both.findings).map((f) => [f.check, f.service])).toEqual([['no-endpoints', 'ns6/svc6']]);
  });

  it('IPVS keeps Local-policy Services reachable with cluster endpoints where iptables and nftables DROP (k/k#97081): no finding either way', () => {
    const s = faultScenarios().find((x) => x.name === 'etp-local');
    if (!s) throw new Error('no etp-local scenario');
    const prepared = prepareCluster(toClusterJson(s.state));
    for (const files of [ipvsFiles(s.state, 'worker-1'), iptablesFiles(s.state, { node: 'worker-1' }), nftFiles(s.state, 'worker-1')]) {
      const res = analyzeNode({ name: 'worker-1', files }, prepared);
      expect(res.findings.filter((f) => ['stale-backend', 'missing-backend', 'service-not-programmed', 'not-ready-backend', 'orphan-rules'].includes(f.check))).toEqual([]);
    }
  });

  it('decodes nothing on a node without any kube-proxy plane and says so once (info)', () => {
    const res = analyzeNode({ name: NODE, files: { 'iptables-save.txt': '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n' } }, c);
    expect(res.summary).toMatchObject({ status: 'analyzed', mode: 'unknown', servicePorts: 0 });
    expect(res.programmed).toEqual([]);
    expect(res.findings.map((f) => [f.check, f.severity])).toEqual([['proxy-mode-mismatch', 'info']]);
  });

  it('marks a node whose reported mode was not captured as no-dump and still reports the leftovers it sees', () => {
    const res = analyzeNode({ name: NODE, files: { ...iptablesFiles(), 'proxy-mode.txt': 'nftables\n' } }, c);
    expect(res.summary).toMatchObject({ status: 'no-dump', mode: 'nftables' });
    expect(res.findings.map((f) => [f.check, f.severity])).toEqual([['mode-switch-leftovers', 'high']]);
    const snap = analyzeSnapshot({ source: 't', clusterJson: toClusterJson(faultScenarios()[0].state), nodes: [{ name: NODE, files: { ...iptablesFiles(), 'proxy-mode.txt': 'nftables' } }] });
    expect(snap.limitations).toContain(
      `Node ${NODE} runs kube-proxy in nftables mode (proxy-mode.txt), but the snapshot has no nft.json or nft.txt (nft -j list ruleset / nft list ruleset) for it, so its Service rules were not checked.`,
    );
  });

  it('never throws: a node whose analysis fails is reported with status error', () => {
    const files: Record<string, string> = { ...iptablesFiles() };
    Object.defineProperty(files, 'ipvsadm.txt', { enumerable: true, get: () => { throw new Error('boom'); } });
    const res = analyzeNode({ name: NODE, files }, c);
    expect(res.summary).toMatchObject({ status: 'error', error: `analysis of node ${NODE} failed: boom` });
    expect(res.findings).toEqual([]);
    expect(res.digest).toBeUndefined();
  });
});

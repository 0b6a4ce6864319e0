import { describe, expect, it } from 'vitest';
import { runCatalogFamilyChecks, runCatalogNodeChecks } from '../../../../../core/common/checks/catalog';
import { buildNodeCheckContext } from '../../../../../core/common/checks/context';
import type { NodeLevelContext } from '../../../../../core/common/checks/nodeLevel';
import { decodeIptables } from '../../../../../core/common/decode/iptables/decodeIptables';
import { indexCluster } from '../../../../../core/common/kube/clusterIndex';
import { expectedServicePorts } from '../../../../../core/common/kube/expectedServicePorts';
import { buildIptablesNameTable } from '../../../../../core/common/kube/iptablesNameTable';
import type { ClusterState, Finding } from '../../../../../core/common/model';
import { parseIptablesSave } from '../../../../../core/common/parse/iptablesSave';
import { baseCluster } from '../../../../helpers/scenario/faultScenarios';
import { renderKubeProxyIptables } from '../../../../helpers/scenario/kubeProxyIptables';

// The catalog against the rules kube-proxy's iptables proxier writes (test/helpers/scenario
// writer), decoded by the real decoder: a healthy cluster gives only the notes that are true by
// design, and one edit of the rules gives exactly one finding.

function cluster() {
  const b = baseCluster();
  b.service('shop/sticky', { ports: [{ name: 'http', port: 80, targetPort: 8080 }], affinitySeconds: 600 }).pods('shop/sticky', 2);
  b.service('shop/lb', { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, targetPort: 8080 }], loadBalancerIPs: ['203.0.113.7'], loadBalancerSourceRanges: ['10.0.0.0/8'] }).pods('shop/lb', 2);
  b.service('shop/cache', { ports: [{ name: 'redis', port: 6379 }], internalTrafficPolicy: 'Local', workload: 'DaemonSet' }).pods('shop/cache', 3);
  b.service('shop/edge', { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, targetPort: 8080 }], loadBalancerIPs: ['203.0.113.8'], externalTrafficPolicy: 'Local' }).pods('shop/edge', 1, { nodes: ['worker-2'] });
  return { b, state: b.build() };
}

function run(state: ClusterState, node: string, rules: string): Finding[] {
  const index = indexCluster(state);
  const file = `nodes/${node}/iptables-save.txt`;
  const dump = parseIptablesSave(rules);
  const programmed = decodeIptables(dump, { node, file, names: buildIptablesNameTable(state.services, 4) });
  const ctx = buildNodeCheckContext(programmed, { index, expected: expectedServicePorts(index, node, 4) });
  const level: NodeLevelContext = { node, mode: 'iptables', dumps: { iptables: [{ file, name: 'iptables-save.txt', dump }], nft: [] }, programmed: [programmed], perFamily: [ctx], index };
  return [...runCatalogFamilyChecks(ctx), ...runCatalogNodeChecks(level)];
}

const summary = (fs: Finding[]) => fs.map((f) => `${f.severity} ${f.check} ${f.node ?? '-'} ${f.service}`).sort();

describe('catalog on kube-proxy iptables rules', () => {
  const { b, state } = cluster();
  const render = (node: string) => renderKubeProxyIptables(state, node, { comments: true, clusterCIDR: b.clusterCIDR });

  it('reports only design notes on a healthy node', () => {
    expect(summary(run(state, 'worker-1', render('worker-1')))).toEqual([
      'info local-policy-black-hole worker-1 shop/edge',
      'info source-ranges - shop/lb',
    ]);
    expect(summary(run(state, 'worker-2', render('worker-2')))).toEqual(['info source-ranges - shop/lb']);
  });

  it.each([
    { name: 'an endpoint chain without its hairpin rule', edit: (t: string) => t.replace(/^-A KUBE-SEP-\S+ -m comment --comment shop\/api -s \S+ -j KUBE-MARK-MASQ\n/m, ''), want: 'medium masquerade-hairpin worker-1 shop/api' },
    { name: 'an affinity timeout that differs from the Service', edit: (t: string) => t.replaceAll('--seconds 600', '--seconds 10800'), want: 'medium affinity-residue worker-1 shop/sticky' },
    { name: 'a firewall chain missing its source range', edit: (t: string) => t.replace(/^-A KUBE-FW-\S+ .* -s 10\.0\.0\.0\/8 -j KUBE-EXT-\S+\n/m, ''), want: 'medium source-ranges worker-1 shop/lb' },
    { name: 'KUBE-POSTROUTING without MASQUERADE', edit: (t: string) => t.replace(/^-A KUBE-POSTROUTING .* -j MASQUERADE.*\n/m, ''), want: 'medium masquerade-hairpin worker-1 null' },
  ])('reports $name', (c) => {
    const rules = render('worker-1');
    const edited = c.edit(rules);
    expect(edited).not.toBe(rules);
    const found = summary(run(state, 'worker-1', edited)).filter((s) => !s.startsWith('info'));
    expect(found).toEqual([c.want]);
  });
});

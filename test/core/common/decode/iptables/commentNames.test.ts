import { describe, expect, it } from 'vitest';
import { parseComment, spnLabel } from '../../../../../core/common/decode/iptables/commentNames';

describe('parseComment', () => {
  const cases = [
    { comment: 'ns1/svc1:p80 cluster IP', spn: 'ns1/svc1:p80', role: 'cluster-ip', portName: 'p80' },
    { comment: 'ns2/svc2:p80 external IP', spn: 'ns2/svc2:p80', role: 'external-ip', portName: 'p80' },
    { comment: 'ns2/svc2:p80 loadbalancer IP', spn: 'ns2/svc2:p80', role: 'load-balancer', portName: 'p80' },
    { comment: 'ns1/svc1 cluster IP', spn: 'ns1/svc1', role: 'cluster-ip', portName: '' },
    { comment: 'default/echoserver: cluster IP', spn: 'default/echoserver:', role: 'cluster-ip', portName: '' },
    { comment: 'ns4/svc4:p80 -> 10.180.0.4:80', spn: 'ns4/svc4:p80', role: 'endpoint', endpoint: '10.180.0.4:80' },
    { comment: 'ns1/svc1:p80 -> [fd00:10:180::1]:80', spn: 'ns1/svc1:p80', role: 'endpoint', endpoint: '[fd00:10:180::1]:80' },
    { comment: 'ns4/svc4:p80', spn: 'ns4/svc4:p80', role: 'bare' },
    { comment: 'kube-system/kube-dns:dns-tcp', spn: 'kube-system/kube-dns:dns-tcp', role: 'bare' },
    { comment: 'ns6/svc6:p80 has no endpoints', spn: 'ns6/svc6:p80', role: 'no-endpoints' },
    { comment: 'ns2/svc2:p80 has no local endpoints', spn: 'ns2/svc2:p80', role: 'no-local-endpoints' },
    { comment: 'ns2/svc2:p80 health check node port', spn: 'ns2/svc2:p80', role: 'health-check' },
    {
      comment: 'ns5/svc5:p80 traffic not accepted by KUBE-FW-NUKIZ6OKUXPJNT4C',
      spn: 'ns5/svc5:p80',
      role: 'firewall-drop',
      firewallChain: 'KUBE-FW-NUKIZ6OKUXPJNT4C',
    },
    { comment: 'masquerade traffic for ns4/svc4:p80 external destinations', spn: 'ns4/svc4:p80', role: 'external-chain' },
    { comment: 'pod traffic for ns2/svc2:p80 external destinations', spn: 'ns2/svc2:p80', role: 'external-chain' },
    { comment: 'masquerade LOCAL traffic for default/nginx external destinations', spn: 'default/nginx', role: 'external-chain' },
    { comment: 'route LOCAL traffic for default/nginx external destinations', spn: 'default/nginx', role: 'external-chain' },
    { comment: 'other traffic to ns5/svc5:p80 will be dropped by KUBE-PROXY-FIREWALL', spn: 'ns5/svc5:p80', role: 'other-traffic' },
    { comment: 'Balancing rule 0 for default/web:http', spn: 'default/web:http', role: 'balancing' },
  ];

  it.each(cases)('reads "$comment" as $role of $spn', ({ comment, ...want }) => {
    expect(parseComment(comment)).toMatchObject(want);
  });

  it.each([
    'kubernetes service nodeports; NOTE: this must be the last rule in this chain',
    'kubernetes service traffic requiring SNAT',
    'block incoming localnet connections',
    'Redirect pods trying to reach external loadbalancer VIP to clusterIP',
    'kind-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)',
    'ns1/svc1:p80 something else entirely',
    'a/b/c',
    '',
  ])('finds no Service port in "%s"', (comment) => {
    expect(parseComment(comment)).toBeNull();
  });

  it('returns null for a missing comment', () => {
    expect(parseComment(undefined)).toBeNull();
  });
});

describe('spnLabel', () => {
  it.each([
    { id: { namespace: 'ns', name: 'a', portName: 'http' }, label: 'ns/a:http' },
    { id: { namespace: 'ns', name: 'a', portName: '' }, label: 'ns/a' },
  ])('prints $label the way current kube-proxy does', ({ id, label }) => {
    expect(spnLabel(id)).toBe(label);
  });
});

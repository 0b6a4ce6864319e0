import { describe, expect, it } from 'vitest';
import { backendsOf, corpus, decodeTexts, summary } from './decodeIpvsHelpers';

// decodeIpvs on real ipvsadm captures (test/fixtures/corpus/ipvs, provenance in its README),
// without cluster.json: no Service is known, so every virtual server is its own unidentified
// Service port (NodePort ones grouped per port), labelled as ipvsadm prints it.

describe('decodeIpvs on corpus captures without names', () => {
  it('turns every virtual server of the kubernetes IPVS README into an unidentified Service port', () => {
    const p = decodeTexts({ ipvsadm: corpus('ipvs/k8s-ipvs-readme-ipvsadm-ln.txt') });
    expect(p).toMatchObject({ node: 'n1', mode: 'ipvs', family: 4, nameMismatches: [], facts: { file: 'nodes/n1/ipvsadm.txt', endpointCommentsPresent: true } });
    expect(summary(p)).toEqual({
      'TCP 10.0.0.1:443': { frontends: ['cluster-ip 10.0.0.1:443>cluster'], cluster: ['192.168.0.1:6443'] },
      'TCP 10.0.0.10:53': { frontends: ['cluster-ip 10.0.0.10:53>cluster'], cluster: ['172.17.0.2:53'] },
      'UDP 10.0.0.10:53': { frontends: ['cluster-ip 10.0.0.10:53>cluster'], cluster: ['172.17.0.2:53'] },
    });
    expect(p.servicePorts.map((sp) => [sp.id, sp.idSource, sp.markers, sp.chains])).toEqual([
      [null, 'none', [], ['TCP 10.0.0.1:443']],
      [null, 'none', [], ['TCP 10.0.0.10:53']],
      [null, 'none', [], ['UDP 10.0.0.10:53']],
    ]);
    expect(p.facts.unmappedChains.map((c) => c.chain)).toEqual(['TCP 10.0.0.1:443', 'TCP 10.0.0.10:53', 'UDP 10.0.0.10:53']);
  });

  it.each([
    { file: 'k8s-ipvs-readme-ipvsadm-ln.txt', label: 'TCP 10.0.0.1:443', seconds: 10800 },
    { file: 'opsnull-issue-251-ipvsadm-L-n.txt', label: 'TCP 10.254.0.1:443', seconds: 10800 },
    { file: 'k8s-community-pr-692-ipvsadm-persistent-conn.txt', label: 'TCP 10.11.12.13:6379', seconds: 10 },
    { file: 'k8s-ipvs-readme-ipvsadm-ln.txt', label: 'TCP 10.0.0.10:53', seconds: undefined },
  ])('reads `persistent N` of $label in $file as $seconds s of affinity', ({ file, label, seconds }) => {
    const sp = decodeTexts({ ipvsadm: corpus(`ipvs/${file}`) }).servicePorts.find((s) => s.label === label);
    expect(sp?.clusterPath?.affinitySeconds).toBe(seconds);
  });

  it('cites the virtual server line and the real server lines as evidence', () => {
    const p = decodeTexts({ ipvsadm: corpus('ipvs/k8s-ipvs-readme-ipvsadm-ln.txt') });
    const sp = p.servicePorts[0];
    const vs = { node: 'n1', file: 'nodes/n1/ipvsadm.txt', line: 9, raw: 'TCP  10.0.0.1:443 rr persistent 10800' };
    const rs = { node: 'n1', file: 'nodes/n1/ipvsadm.txt', line: 10, raw: '  -> 192.168.0.1:6443             Masq    1      1          0' };
    expect(sp.frontends[0].evidence).toEqual(vs);
    expect(sp.clusterPath?.evidence).toEqual([vs, rs]);
    expect(sp.clusterPath?.backends[0]).toEqual({ ip: '192.168.0.1', port: 6443, weight: 1, probability: 1, evidence: [vs, rs] });
    expect(sp.clusterPath?.steps).toEqual([{ target: 'TCP 10.0.0.1:443 -> 192.168.0.1:6443', key: 0, probability: 1, evidence: rs }]);
  });

  it('keeps weight-0 real servers of a graceful termination as backends with weight 0 and probability 0', () => {
    const p = decodeTexts({ ipvsadm: corpus('ipvs/k8s-issue-99162-ipvsadm-Ln-t-weight0-graceful.txt') }, { nodeIPs: ['192.168.1.2'] });
    expect(p.servicePorts).toHaveLength(1);
    const sp = p.servicePorts[0];
    expect(sp.label).toBe('TCP *:32502 (NodePort)');
    expect(sp.frontends.map((f) => [f.kind, f.ip, f.port, f.target])).toEqual([['node-port', undefined, 32502, 'TCP 192.168.1.2:32502']]);
    expect(sp.clusterPath?.backends.map((b) => [`${b.ip}:${b.port}`, b.weight, b.probability])).toEqual([
      ['11.0.1.8:80', 0, 0],
      ['11.0.2.7:80', 1, 0.25],
      ['11.0.2.9:80', 1, 0.25],
      ['11.0.2.10:80', 0, 0],
      ['11.0.2.11:80', 1, 0.25],
      ['11.0.3.7:80', 0, 0],
      ['11.0.3.8:80', 1, 0.25],
    ]);
  });

  it('reads SCTP virtual servers, the one on a node address as a NodePort', () => {
    const p = decodeTexts({ ipvsadm: corpus('ipvs/k8s-pr-81477-ipvsadm-ln-sctp.txt') }, { nodeIPs: ['10.0.2.15'] });
    const s = summary(p);
    expect(s['SCTP *:31514 (NodePort)']).toEqual({ frontends: ['node-port *:31514>cluster'], cluster: ['20.20.195.135:1000', '20.20.195.136:1000', '20.20.195.137:1000'] });
    expect(s['SCTP 10.103.164.9:1000']).toEqual({ frontends: ['cluster-ip 10.103.164.9:1000>cluster'], cluster: ['20.20.195.135:1000', '20.20.195.136:1000'] });
    expect(p.servicePorts.find((sp) => sp.label === 'SCTP 10.103.164.9:1000')?.frontends[0].protocol).toBe('sctp');
    expect(Object.keys(s)).toHaveLength(7);
  });

  it('groups the NodePort virtual servers of every node address into one NodePort frontend', () => {
    const p = decodeTexts({ ipvsadm: corpus('ipvs/opsnull-issue-251-ipvsadm-L-n.txt') }, { nodeIPs: ['10.253.102.0', '10.253.102.1'] });
    const sp = p.servicePorts.find((x) => x.label === 'TCP *:32767 (NodePort)')!;
    expect(sp.frontends).toHaveLength(1);
    expect(sp.frontends[0].evidence.raw).toBe('TCP  10.253.102.0:32767 rr');
    expect(sp.frontends[0].extraEvidence?.map((e) => e.raw)).toEqual(['TCP  10.253.102.1:32767 rr']);
    expect(sp.chains).toEqual(['TCP 10.253.102.0:32767', 'TCP 10.253.102.1:32767']);
    expect(backendsOf(sp.clusterPath)).toEqual(['10.253.35.2:8443']);
    expect(sp.clusterPath?.steps.map((s) => s.target)).toEqual(['TCP 10.253.102.0:32767 -> 10.253.35.2:8443', 'TCP 10.253.102.1:32767 -> 10.253.35.2:8443']);
  });

  it('reads a virtual server on 127.0.0.1 as a NodePort even when the node addresses are unknown', () => {
    const p = decodeTexts({ ipvsadm: corpus('ipvs/k8s-issue-89923-ipvsadm-Ln-nodeport-127.txt') });
    expect(summary(p)['TCP *:30100 (NodePort)']).toEqual({ frontends: ['node-port *:30100>cluster'], cluster: ['11.0.0.2:5001', '11.0.1.2:5001', '11.0.2.2:5001'] });
  });

  it('decodes nothing from a listing printed with names instead of numbers', () => {
    const p = decodeTexts({ ipvsadm: corpus('ipvs/kube-router-issue-415-ipvsadm-L-no-n-hostnames.txt') });
    expect(p.servicePorts).toEqual([]);
  });

  it('ignores firewall-mark virtual services (kube-proxy never creates them)', () => {
    const p = decodeTexts({ ipvsadm: corpus('ipvs/keepalived-issue-1431-ipvsadm-Ln-fwm.txt') });
    expect(p.servicePorts.every((sp) => !sp.label.startsWith('FWM'))).toBe(true);
  });

  it('reads a whitespace-collapsed paste like the original', () => {
    const p = decodeTexts({ ipvsadm: corpus('ipvs/keepalived-issue-1028-ipvsadm-L-n-collapsed-whitespace.txt') });
    expect(p.servicePorts.length).toBeGreaterThan(0);
    expect(p.servicePorts.every((sp) => (sp.clusterPath?.backends.length ?? 0) > 0)).toBe(true);
    expect(p.servicePorts[0].clusterPath?.affinitySeconds).toBe(1800);
  });

  it('reads a --stats listing without weights: backends without weight or probability', () => {
    const p = decodeTexts({ ipvsadm: corpus('ipvs/kube-router-pr-160-ipvsadm-ln-stats.txt') });
    const backends = p.servicePorts.flatMap((sp) => sp.clusterPath?.backends ?? []);
    expect(backends.length).toBeGreaterThan(0);
    for (const b of backends) expect(b).not.toHaveProperty('weight');
    for (const b of backends) expect(b).not.toHaveProperty('probability');
  });
});

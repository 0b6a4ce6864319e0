import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IpsetDump, IpvsDump } from '../../core/common/model';
import { parseIpAddr } from '../../core/common/parse/ipAddr';
import { parseIpset } from '../../core/common/parse/ipset';
import { parseIpvsadm } from '../../core/common/parse/ipvsadm';
import { describeWithTools } from './requireTool';
import { clusterBuilder } from './scenario/clusterBuilder';
import type { IpvsFault } from './scenario/ipvsFaults';
import type { IpvsVirtualServerModel } from './scenario/ipvsPrint';
import { formatIpvsadm } from './scenario/ipvsPrint';
import { ipvsIptablesRoundTrip } from './scenario/ipvsScenarioSnapshot';
import { ipsetRestoreInput, kubeProxyIpvsModel, renderKubeProxyIpvs } from './scenario/kubeProxyIpvs';

// The IPVS writer: exact print formats (checked against real captures and, where this machine
// has the tool, against the real tool's output), kube-proxy's virtual servers, ipsets and
// addresses per policy, and every fault.

const CORPUS = join(__dirname, '..', 'fixtures', 'corpus', 'ipvs');

/** The models a parsed `ipvsadm -Ln` listing describes. */
function modelsOf(dump: IpvsDump): IpvsVirtualServerModel[] {
  return dump.services.map((s) => ({
    protocol: s.protocol as IpvsVirtualServerModel['protocol'],
    ip: s.address!.ip,
    port: s.address!.port,
    scheduler: s.scheduler!,
    ...(s.persistent !== undefined ? { persistent: s.persistent } : {}),
    realServers: s.realServers.map((r) => ({ ip: r.address.ip, port: r.address.port, weight: r.weight!, activeConn: r.activeConn!, inActConn: r.inActConn! })),
  }));
}

// web: NodePort 30080, 3 pods (n1, n2, n3); cart: ClientIP affinity 600 s, 2 pods;
// lb: LoadBalancer ETP=Local, pods on n2 only; dns: UDP+TCP; sctp: SCTP NodePort.
function cluster() {
  return clusterBuilder()
    .node('n1')
    .node('n2')
    .node('n3')
    .service('ns/web', { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }] })
    .pods('ns/web', 3)
    .service('ns/cart', { ports: [{ name: 'http', port: 80, targetPort: 8080 }], affinitySeconds: 600 })
    .pods('ns/cart', 2)
    .service('ns/lb', { type: 'LoadBalancer', loadBalancerIPs: ['203.0.113.5'], externalIPs: ['192.0.2.7'], externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30090 }] })
    .pods('ns/lb', 1, { nodes: ['n2'] })
    .service('ns/dns', { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }] })
    .pods('ns/dns', 1, { nodes: ['n1'] })
    .service('ns/sctp', { type: 'NodePort', ports: [{ name: 's', port: 9999, protocol: 'SCTP', nodePort: 30999 }] })
    .pods('ns/sctp', 1, { nodes: ['n3'] });
}

const NODE_IPS: Record<string, string[]> = { n1: ['172.18.0.2'], n2: ['172.18.0.3'], n3: ['172.18.0.4'] };

function render(node: string, faults: IpvsFault[] = [], b = cluster()) {
  return renderKubeProxyIpvs(b.build(), node, { nodeIPs: NODE_IPS[node], clusterCIDR: b.clusterCIDR, faults });
}

/** `TCP 10.96.0.100:80` -> sorted `ip:port/weight` of its real servers. */
function servers(ipvsadm: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of parseIpvsadm(ipvsadm).services) {
    out[`${s.protocol} ${s.address!.ip}:${s.address!.port}${s.persistent !== undefined ? ` persistent ${s.persistent}` : ''}`] = s.realServers
      .map((r) => `${r.address.ip}:${r.address.port}/${r.weight}`)
      .sort();
  }
  return out;
}

function members(ipset: string): Record<string, string[]> {
  const d: IpsetDump = parseIpset(ipset);
  const out: Record<string, string[]> = {};
  for (const [name, s] of d.sets) if (s.members.length) out[name] = s.members.map((m) => m.element);
  return out;
}

describe('formatIpvsadm', () => {
  it.each([
    { file: 'k8s-pr-81477-ipvsadm-ln-sctp.txt', from: 1 },
    { file: 'k8s-issue-89923-ipvsadm-Ln-nodeport-127.txt', from: 3 },
  ])('prints $file byte for byte (service padding, real-server columns, trailing spaces)', ({ file, from }) => {
    const text = readFileSync(join(CORPUS, file), 'utf8');
    const body = text.split('\n').slice(from).join('\n').replace(/\n*$/, '\n');
    expect(formatIpvsadm(modelsOf(parseIpvsadm(text)))).toBe(body);
  });

  it('sorts virtual servers by protocol number, address and port, real servers by address and port', () => {
    const rs = (ip: string, port: number) => ({ ip, port, weight: 1, activeConn: 0, inActConn: 0 });
    const text = formatIpvsadm([
      { protocol: 'SCTP', ip: '10.0.0.1', port: 1, scheduler: 'rr', realServers: [] },
      { protocol: 'UDP', ip: '10.0.0.1', port: 53, scheduler: 'rr', realServers: [] },
      { protocol: 'TCP', ip: '10.0.0.10', port: 80, scheduler: 'rr', realServers: [rs('10.244.0.10', 80), rs('10.244.0.9', 81), rs('10.244.0.9', 80)] },
      { protocol: 'TCP', ip: '10.0.0.9', port: 80, scheduler: 'mh', schedulerFlags: ['mh-port'], persistent: 60, realServers: [] },
    ]);
    expect(text.split('\n').slice(3, -1)).toEqual([
      'TCP  10.0.0.9:80 mh (mh-port) persistent 60',
      'TCP  10.0.0.10:80 rr',
      '  -> 10.244.0.9:80                Masq    1      0          0         ',
      '  -> 10.244.0.9:81                Masq    1      0          0         ',
      '  -> 10.244.0.10:80               Masq    1      0          0         ',
      'UDP  10.0.0.1:53 rr',
      'SCTP 10.0.0.1:1 rr',
    ]);
  });
});

describe('renderKubeProxyIpvs', () => {
  it('writes captures the project parsers read without a malformed line', () => {
    const out = render('n1');
    expect(parseIpvsadm(out.ipvsadm)).toMatchObject({ malformed: [], numeric: true, formats: ['list'] });
    expect(parseIpset(out.ipset).malformed).toEqual([]);
    expect(parseIpAddr(out.ipAddr).malformed).toEqual([]);
  });

  it('writes one virtual server per ClusterIP, external IP, LB IP and node IP x NodePort with kube-proxy endpoint choice', () => {
    const b = cluster();
    const lbPod = b.podsOf('ns/lb')[0];
    const web = b.podsOf('ns/web').map((p) => `${p.ip}:8080/1`).sort();
    const s = servers(render('n1').ipvsadm);
    expect(s['TCP 172.18.0.2:30080']).toEqual(web);
    // n1 has no lb pod: its Local VSs fall back to the cluster endpoints (k/k#97081).
    for (const vs of ['TCP 192.0.2.7:80', 'TCP 203.0.113.5:80', 'TCP 172.18.0.2:30090']) expect(s[vs]).toEqual([`${lbPod.ip}:8080/1`]);
    expect(s['SCTP 172.18.0.2:30999']).toHaveLength(1);
    expect(Object.keys(s).filter((k) => k.startsWith('TCP 10.96.') && k.includes('persistent 600'))).toHaveLength(1);
    expect(Object.keys(s)).toHaveLength(11);
  });

  it('binds every ClusterIP, external IP and LB IP to kube-ipvs0 and lists them in KUBE-IPVS-IPS', () => {
    const out = render('n2');
    const dummy = parseIpAddr(out.ipAddr).byInterface.get('kube-ipvs0')!.map((a) => `${a.address}/${a.prefix}`);
    const vips = [...new Set(parseIpvsadm(out.ipvsadm).services.map((s) => s.address!.ip))].filter((ip) => ip !== '172.18.0.3');
    expect(dummy.sort()).toEqual(vips.map((ip) => `${ip}/32`).sort());
    expect(members(out.ipset)['KUBE-IPVS-IPS'].sort()).toEqual(vips.sort());
    expect(parseIpAddr(out.ipAddr).byInterface.get('eth0')!.map((a) => [a.address, a.prefix, a.broadcast])).toEqual([['172.18.0.3', 16, '172.18.255.255']]);
  });

  it('fills kube-proxy ipsets per frontend and policy', () => {
    const b = cluster();
    const m = members(render('n2').ipset);
    expect(m['KUBE-CLUSTER-IP']).toHaveLength(6);
    expect(m['KUBE-EXTERNAL-IP-LOCAL']).toEqual(['192.0.2.7,tcp:80']);
    expect(m['KUBE-LOAD-BALANCER']).toEqual(['203.0.113.5,tcp:80']);
    expect(m['KUBE-LOAD-BALANCER-LOCAL']).toEqual(['203.0.113.5,tcp:80']);
    expect(m['KUBE-NODE-PORT-TCP']).toEqual(['30080', '30090']);
    expect(m['KUBE-NODE-PORT-LOCAL-TCP']).toEqual(['30090']);
    expect(m['KUBE-NODE-PORT-SCTP-HASH']).toEqual(['172.18.0.3,sctp:30999']);
    expect(m['KUBE-HEALTH-CHECK-NODE-PORT']).toHaveLength(1);
    const local = [...b.podsOf('ns/web'), ...b.podsOf('ns/cart'), ...b.podsOf('ns/lb')].filter((p) => p.node === 'n2').map((p) => `${p.ip},tcp:8080,${p.ip}`);
    expect(m['KUBE-LOOP-BACK'].sort()).toEqual(local.sort());
  });

  it('gives Local-policy virtual servers the local endpoints when the node has some', () => {
    const b = cluster().service('ns/itp', { internalTrafficPolicy: 'Local', ports: [{ port: 7000 }] }).pods('ns/itp', 2, { nodes: ['n1', 'n2'] });
    const itp = b.podsOf('ns/itp');
    const s = servers(render('n2', [], b).ipvsadm);
    expect(s['TCP 192.0.2.7:80']).toEqual([`${b.podsOf('ns/lb')[0].ip}:8080/1`]);
    const itpVs = Object.entries(s).find(([k]) => k.endsWith(':7000'))!;
    expect(itpVs[1]).toEqual([`${itp.find((p) => p.node === 'n2')!.ip}:7000/1`]);
    // ITP=Local without external frontends: no cluster set, so n3 has an empty virtual server.
    expect(Object.entries(servers(render('n3', [], b).ipvsadm)).find(([k]) => k.endsWith(':7000'))![1]).toEqual([]);
  });

  it('writes the IPVS proxier iptables rules with the local-traffic detector', () => {
    const rules = render('n1').iptables;
    expect(rules).toContain('-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ');
    expect(rules).toContain('-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port with externalTrafficPolicy=local" -m set --match-set KUBE-NODE-PORT-LOCAL-TCP dst -j RETURN');
    expect(rules).toContain('-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT');
    expect(rules).not.toContain('KUBE-PROXY-CANARY');
    expect(rules).not.toMatch(/KUBE-SVC-|KUBE-SEP-/);
  });

  const b0 = cluster();
  const web = b0.podsOf('ns/web');
  const faultCases: { name: string; fault: IpvsFault; check: (out: ReturnType<typeof render>) => void }[] = [
    {
      name: 'weight-zero keeps the ready endpoint at weight 0 on every virtual server',
      fault: { kind: 'weight-zero', service: 'ns/web', ip: web[0].ip },
      check: (out) => {
        const s = servers(out.ipvsadm);
        for (const vs of ['TCP 172.18.0.2:30080', Object.keys(s).find((k) => k.endsWith(':80') && s[k].length === 3)!]) expect(s[vs]).toContain(`${web[0].ip}:8080/0`);
      },
    },
    {
      name: 'draining-endpoint adds a removed endpoint at weight 0 with connections',
      fault: { kind: 'draining-endpoint', service: 'ns/web', ip: '10.244.9.9' },
      check: (out) => {
        expect(servers(out.ipvsadm)['TCP 172.18.0.2:30080']).toContain('10.244.9.9:8080/0');
        expect(out.ipvsadm).toContain('  -> 10.244.9.9:8080              Masq    0      3          12        \n');
      },
    },
    {
      name: 'drop-virtual-server removes only the ClusterIP virtual server',
      fault: { kind: 'drop-virtual-server', service: 'ns/web', frontend: 'cluster-ip' },
      check: (out) => {
        const s = servers(out.ipvsadm);
        expect(Object.keys(s)).toHaveLength(10);
        expect(s['TCP 172.18.0.2:30080']).toHaveLength(3);
      },
    },
    {
      name: 'orphan-virtual-server adds a bound virtual server no Service owns',
      fault: { kind: 'orphan-virtual-server', ip: '10.96.0.250', port: 80, realServers: ['10.244.7.7:80'] },
      check: (out) => {
        expect(servers(out.ipvsadm)['TCP 10.96.0.250:80']).toEqual(['10.244.7.7:80/1']);
        expect(parseIpAddr(out.ipAddr).byInterface.get('kube-ipvs0')!.map((a) => a.address)).toContain('10.96.0.250');
        expect(members(out.ipset)['KUBE-CLUSTER-IP']).not.toContain('10.96.0.250,tcp:80');
      },
    },
    {
      name: 'vip-not-bound removes the ClusterIP from kube-ipvs0 but not from KUBE-IPVS-IPS',
      fault: { kind: 'vip-not-bound', service: 'ns/web' },
      check: (out) => {
        const ip = b0.build().services.find((s) => s.metadata.name === 'web')!.spec.clusterIP!;
        expect(parseIpAddr(out.ipAddr).byInterface.get('kube-ipvs0')!.map((a) => a.address)).not.toContain(ip);
        expect(members(out.ipset)['KUBE-IPVS-IPS']).toContain(ip);
      },
    },
    {
      name: 'vip-not-in-ipset removes the ClusterIP entry from KUBE-CLUSTER-IP',
      fault: { kind: 'vip-not-in-ipset', service: 'ns/web' },
      check: (out) => {
        const ip = b0.build().services.find((s) => s.metadata.name === 'web')!.spec.clusterIP!;
        expect(members(out.ipset)['KUBE-CLUSTER-IP']).not.toContain(`${ip},tcp:80`);
        expect(members(out.ipset)['KUBE-CLUSTER-IP']).toHaveLength(5);
      },
    },
    {
      name: 'drop-endpoint (shared with the iptables writer) removes the real server everywhere',
      fault: { kind: 'drop-endpoint', service: 'ns/web', ip: web[1].ip },
      check: (out) => expect(out.ipvsadm).not.toContain(`${web[1].ip}:8080`),
    },
    {
      name: 'drop-service-port (shared) leaves no virtual server, ipset entry or address',
      fault: { kind: 'drop-service-port', service: 'ns/web' },
      check: (out) => {
        expect(Object.keys(servers(out.ipvsadm))).toHaveLength(9);
        expect(out.ipset).not.toContain(',tcp:80\n30080');
        expect(members(out.ipset)['KUBE-NODE-PORT-TCP']).toEqual(['30090']);
      },
    },
  ];

  it.each(faultCases)('fault $name', ({ fault, check }) => {
    check(render('n1', [fault]));
    // Without the fault none of it happens.
    expect(render('n1')).not.toEqual(render('n1', [fault]));
  });

  it.each<IpvsFault>([
    { kind: 'weight-zero', service: 'ns/nope', ip: '10.0.0.1' },
    { kind: 'drop-virtual-server', service: 'ns/nope', frontend: 'cluster-ip' },
    { kind: 'drop-endpoint', service: 'ns/nope', ip: '10.0.0.1' },
    { kind: 'weight-zero', service: 'ns/web', ip: '10.99.99.99' },
  ])('throws when a $kind fault names something the writer does not render', (fault) => {
    expect(() => render('n1', [fault])).toThrow(/no Service port ns\/nope|not an endpoint/);
  });
});

// ---- against the real tools, in a private network namespace ----

function inNetns(script: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'proxyscope-ipvs-writer-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return execFileSync('unshare', ['-rn', 'sh', '-c', script, 'sh', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeWithTools(['ipset', 'iptables-restore', 'ip', 'unshare', 'netns'], 'renderKubeProxyIpvs against the real ipset, iptables and ip', () => {
  const b = cluster();
  const opts = { nodeIPs: NODE_IPS.n2, clusterCIDR: b.clusterCIDR };
  const model = kubeProxyIpvsModel(b.build(), 'n2', opts);
  const out = renderKubeProxyIpvs(b.build(), 'n2', opts);

  it('prints `ipset list` as ipset does once iptables references the sets (hash seeds and sizes aside)', () => {
    const real = inNetns('ipset restore < "$1/sets" && iptables-restore < "$1/rules" && ipset list', { sets: ipsetRestoreInput(model.sets), rules: model.iptables });
    const norm = (text: string) => {
      const d = parseIpset(text);
      return [...d.sets.values()].map((s) => ({ ...s, line: 0, raw: '', sizeInMemory: 0, header: { ...s.header, initval: '', tokens: [] }, members: s.members.map((m) => m.element).sort() }));
    };
    expect(norm(out.ipset)).toEqual(norm(real));
  });

  it('writes iptables rules the real iptables-restore accepts next to those sets', () => {
    const saved = ipvsIptablesRoundTrip(model.iptables, ipsetRestoreInput(model.sets));
    expect(saved).toContain('-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT');
    expect(saved).toContain('-A KUBE-LOAD-BALANCER -m comment --comment "Kubernetes service load balancer ip + port with externalTrafficPolicy=local" -m set --match-set KUBE-LOAD-BALANCER-LOCAL dst,dst -j RETURN');
  });

  it('prints `ip -o addr show` as iproute2 does (kube-ipvs0 made a bridge: no dummy module without root)', () => {
    const lines = model.addresses.filter((a) => a.ifname !== 'lo').map((a) => `ip addr add ${a.address}/${a.prefix}${a.brd ? ' brd +' : ''} dev ${a.ifname}`);
    const script = ['set -e', 'ip link set lo up', 'ip link add eth0 type bridge', 'ip link add kube-ipvs0 type bridge', ...lines, 'ip -o addr show'].join('\n');
    expect(inNetns(script, {})).toBe(out.ipAddr);
  });
});

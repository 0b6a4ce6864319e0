import { describe, expect, it } from 'vitest';
import { checkMasqueradeHairpin } from '../../../../../core/common/checks/catalog/masqueradeHairpin';
import { WEB, backend, pathOf, spOf, world } from '../_builders';
import { IPVS_HEADER, dumps, levelOf } from './_catalog';

// iptables mode is covered on writer-generated rules in catalogOnKubeProxyRules.test.ts.

const EP1 = 'endpoint-AAAAAAAA-shop/web/tcp/http__10.244.1.5/8080';
const EP2 = 'endpoint-BBBBBBBB-shop/web/tcp/http__10.244.2.6/8080';

function nftText(opts: { hairpin2?: boolean; masquerade?: boolean; hook?: boolean } = {}): string {
  const { hairpin2 = true, masquerade = true, hook = true } = opts;
  return [
    'table ip kube-proxy {',
    '  chain mark-for-masquerade {',
    '    mark set mark or 0x4000',
    '  }',
    '  chain masquerading {',
    '    mark and 0x4000 == 0 return',
    '    mark set mark xor 0x4000',
    ...(masquerade ? ['    masquerade fully-random'] : []),
    '  }',
    '  chain nat-postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    ...(hook ? ['    jump masquerading'] : []),
    '  }',
    `  chain ${EP1} {`,
    '    ip saddr 10.244.1.5 jump mark-for-masquerade',
    '    meta l4proto tcp dnat to 10.244.1.5:8080',
    '  }',
    `  chain ${EP2} {`,
    ...(hairpin2 ? ['    ip saddr 10.244.2.6 jump mark-for-masquerade'] : []),
    '    meta l4proto tcp dnat to 10.244.2.6:8080',
    '  }',
    '}',
  ].join('\n');
}

function nftWorld() {
  const w = world([{ ...WEB, endpoints: WEB.endpoints.slice(0, 2) }]);
  w.programmed.mode = 'nftables';
  spOf(w, 'web').clusterPath = pathOf('cluster', 'service-XXXXXXXX-shop/web/tcp/http', [backend('10.244.1.5', 8080, EP1), backend('10.244.2.6', 8080, EP2)]);
  return w;
}

describe('checkMasqueradeHairpin on nftables', () => {
  it.each([
    { name: 'complete kube-proxy masquerading gives no finding', text: nftText(), expect: [] as RegExp[] },
    { name: 'an endpoint chain without `ip saddr <ep> jump mark-for-masquerade` is reported', text: nftText({ hairpin2: false }), expect: [/shop\/web:http on n1: 1 endpoint without hairpin masquerade/] },
    { name: 'a masquerading chain that does not masquerade is reported', text: nftText({ masquerade: false }), expect: [/masquerading is incomplete on n1/] },
    { name: 'masquerading not hooked into postrouting is reported', text: nftText({ hook: false }), expect: [/masquerading is incomplete on n1/] },
  ])('$name', (c) => {
    const findings = checkMasqueradeHairpin(levelOf(nftWorld(), { nft: [dumps.nft(c.text)] }, { mode: 'nftables' }));
    expect(findings).toHaveLength(c.expect.length);
    findings.forEach((f, i) => {
      expect(f).toMatchObject({ check: 'masquerade-hairpin', severity: 'medium', node: 'n1' });
      expect(f.title).toMatch(c.expect[i]);
      expect(f.evidence.length).toBeGreaterThan(0);
    });
  });

  it('names the endpoint and its chain', () => {
    const f = checkMasqueradeHairpin(levelOf(nftWorld(), { nft: [dumps.nft(nftText({ hairpin2: false }))] }, { mode: 'nftables' }))[0];
    expect(f).toMatchObject({ service: 'shop/web', port: 'http', protocol: 'tcp' });
    expect(f.message).toContain(`10.244.2.6:8080 (${EP2})`);
    expect(f.evidence[0]).toMatchObject({ file: 'nodes/n1/nft.txt' });
  });
});

const IPT_IPVS = (loop: boolean, mark: boolean) =>
  [
    '*nat',
    ':POSTROUTING ACCEPT [0:0]',
    ':KUBE-POSTROUTING - [0:0]',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    ...(loop ? ['-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE'] : []),
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
    ...(mark ? ['-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully'] : []),
    'COMMIT',
  ].join('\n');

const LOOP = (members: string[]) => ['create KUBE-LOOP-BACK hash:ip,port,ip family inet hashsize 1024 maxelem 65536', ...members.map((m) => `add KUBE-LOOP-BACK ${m}`)].join('\n');
const IPVS = [IPVS_HEADER, 'TCP  10.96.0.10:80 rr', '  -> 10.244.1.5:8080 Masq 1 0 0', '  -> 10.244.2.6:8080 Masq 1 0 0', '  -> 10.244.3.7:8080 Masq 1 0 0'].join('\n');

describe('checkMasqueradeHairpin on IPVS', () => {
  it.each([
    { name: 'a local endpoint in KUBE-LOOP-BACK and both MASQUERADE rules give no finding', loop: true, mark: true, members: ['10.244.1.5,tcp:8080,10.244.1.5'], expect: [] as RegExp[] },
    { name: 'a local endpoint missing from KUBE-LOOP-BACK is reported (remote ones need no entry)', loop: true, mark: true, members: [], expect: [/shop\/web:http on n1: 1 endpoint without hairpin masquerade/] },
    { name: 'KUBE-POSTROUTING without the KUBE-LOOP-BACK MASQUERADE is reported', loop: false, mark: true, members: ['10.244.1.5,tcp:8080,10.244.1.5'], expect: [/masquerading is incomplete/] },
    { name: 'KUBE-POSTROUTING without the mark MASQUERADE is reported', loop: true, mark: false, members: ['10.244.1.5,tcp:8080,10.244.1.5'], expect: [/masquerading is incomplete/] },
  ])('$name', (c) => {
    const ctx = levelOf(world([WEB]), { ipvs: dumps.ipvs(IPVS), ipset: dumps.ipset(LOOP(c.members)), iptables: [dumps.iptables(IPT_IPVS(c.loop, c.mark))] }, { mode: 'ipvs' });
    const findings = checkMasqueradeHairpin(ctx);
    expect(findings).toHaveLength(c.expect.length);
    findings.forEach((f, i) => {
      expect(f).toMatchObject({ check: 'masquerade-hairpin', severity: 'medium', node: 'n1' });
      expect(f.title).toMatch(c.expect[i]);
    });
  });
});

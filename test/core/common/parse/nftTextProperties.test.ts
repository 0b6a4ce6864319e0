import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNftText } from '../../../../core/common/parse/nftText';
import { chain, kp, set } from './_nftLookup';


describe('parseNftText: wrapping', () => {
  const octet = fc.integer({ min: 0, max: 255 });
  const element = fc.record({
    ip: fc.tuple(octet, octet, octet, octet).map((o) => o.join('.')),
    proto: fc.constantFrom('tcp', 'udp', 'sctp'),
    port: fc.integer({ min: 1, max: 65535 }),
    comment: fc.option(fc.stringMatching(/^[a-z0-9/:-]{1,20}$/), { nil: undefined }),
    target: fc.stringMatching(/^[a-z][a-z0-9/_.-]{0,30}$/),
  });
  const breaks = fc.array(fc.constantFrom(', ', ',\n\t\t\t     ', ' ,\n', ',\n\n'), { minLength: 1, maxLength: 60 });

  it('reads the same map elements however the list is wrapped', () => {
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 30 }), breaks, (els, seps) => {
        const body = els
          .map((e, i) => `${i > 0 ? seps[i % seps.length] : ''}${e.ip} . ${e.proto} . ${e.port}${e.comment ? ` comment "${e.comment}"` : ''} : goto ${e.target}`)
          .join('');
        const text = `table ip kube-proxy {\n\tmap m {\n\t\ttype ipv4_addr . inet_proto . inet_service : verdict\n\t\telements = { ${body} }\n\t}\n}\n`;
        const rs = parseNftText(text);
        expect(rs.malformed).toEqual([]);
        const got = set(kp(rs), 'm').elements.map((e) => [e.key, e.comment, e.verdict]);
        expect(got).toEqual(els.map((e) => [[e.ip, e.proto, String(e.port)], e.comment, { kind: 'goto', target: e.target }]));
      }),
      { numRuns: 200 },
    );
  });

  it('reads the same numgen entries however the vmap is wrapped', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^endpoint-[A-Z0-9]{8}-[a-z0-9/_.]{1,20}$/), { minLength: 1, maxLength: 12 }), breaks, (targets, seps) => {
        const body = targets.map((tg, i) => `${i > 0 ? seps[i % seps.length] : ''}${i} : goto ${tg}`).join('');
        const rs = parseNftText(`add rule ip kube-proxy svc numgen random mod ${targets.length} vmap { ${body} }\n`);
        expect(rs.malformed).toEqual([]);
        const r = chain(kp(rs), 'svc').rules[0];
        expect(r.numgen?.mod).toBe(targets.length);
        expect(r.numgen?.entries).toEqual(targets.map((tg, i) => ({ index: i, verdict: { kind: 'goto', target: tg } })));
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseNftText at scale', () => {
  // A synthetic 2000-Service listing in nft's own layout: linear structures only are checked
  // here (counts), timing is measured by the benchmark, never in tests.
  function listing(n: number): string {
    const out: string[] = ['table ip kube-proxy {', '\tmap service-ips {', '\t\ttype ipv4_addr . inet_proto . inet_service : verdict'];
    const els: string[] = [];
    const chains: string[] = [];
    for (let i = 0; i < n; i++) {
      const ip = `10.96.${i >> 8}.${i & 255}`;
      const svc = `service-HASHHASH-ns/svc${i}/tcp/http`;
      els.push(`${ip} . tcp . 80 : goto ${svc}`);
      const eps = [0, 1].map((k) => `endpoint-HASHHASH-ns/svc${i}/tcp/http__10.244.${i >> 8}.${(i + k) & 255}/8080`);
      chains.push(`\tchain ${svc} {`, `\t\tip daddr ${ip} tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade`, `\t\tnumgen random mod 2 vmap { 0 : goto ${eps[0]}, 1 : goto ${eps[1]} }`, '\t}');
      for (const ep of eps) chains.push(`\tchain ${ep} {`, `\t\tmeta l4proto tcp dnat to ${ep.split('__')[1].replace('/', ':')}`, '\t}');
    }
    out.push(`\t\telements = { ${els.join(',\n\t\t\t     ')} }`, '\t}', ...chains, '}');
    return out.join('\n');
  }

  it('reads a 2000-Service listing completely', () => {
    const rs = parseNftText(listing(2000));
    expect(rs.malformed).toEqual([]);
    expect(rs.elementCount).toBe(2000);
    expect(rs.ruleCount).toBe(2000 * 4);
    const t = kp(rs);
    expect(t.chains.size).toBe(6000);
    expect(chain(t, 'service-HASHHASH-ns/svc1999/tcp/http').rules[1].numgen?.entries).toHaveLength(2);
    expect(chain(t, 'endpoint-HASHHASH-ns/svc1999/tcp/http__10.244.7.208/8080').rules[0].dnat).toMatchObject({ addr: '10.244.7.208', port: 8080 });
  });
});

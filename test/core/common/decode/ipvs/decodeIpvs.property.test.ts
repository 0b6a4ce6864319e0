import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IpvsVirtualServerModel } from '../../../../helpers/scenario/ipvsPrint';
import { formatIpvsadm } from '../../../../helpers/scenario/ipvsPrint';
import { decodeTexts } from './decodeIpvsHelpers';

// Properties of decodeIpvs over random `ipvsadm -Ln` listings (printed in the exact ipvsadm
// layout by the test writer): without a Service list every virtual server becomes one Service port
// whose backends are exactly its real servers, with IPVS's weight shares.

const ip = fc.tuple(fc.integer({ min: 1, max: 126 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 })).map((p) => p.join('.'));
const port = fc.integer({ min: 1, max: 65535 });
const realServer = fc.record({ ip, port, weight: fc.integer({ min: 0, max: 5 }), activeConn: fc.nat(50), inActConn: fc.nat(50) });
const virtualServer: fc.Arbitrary<IpvsVirtualServerModel> = fc.record({
  protocol: fc.constantFrom('TCP' as const, 'UDP' as const, 'SCTP' as const),
  ip,
  port,
  scheduler: fc.constantFrom('rr', 'wrr', 'lc', 'sh'),
  persistent: fc.option(fc.integer({ min: 1, max: 86400 }), { nil: undefined }),
  realServers: fc.uniqueArray(realServer, { maxLength: 6, selector: (r) => `${r.ip}:${r.port}` }),
}).map((vs) => (vs.persistent === undefined ? (({ persistent: _p, ...rest }) => rest)(vs) : vs));
const listing = fc.uniqueArray(virtualServer, { maxLength: 12, selector: (v) => `${v.protocol} ${v.ip}:${v.port}` });

describe('decodeIpvs properties', () => {
  it('turns every virtual server into one unidentified Service port holding exactly its real servers', () => {
    fc.assert(
      fc.property(listing, (servers) => {
        const p = decodeTexts({ ipvsadm: formatIpvsadm(servers) });
        expect(p.servicePorts).toHaveLength(servers.length);
        const byLabel = new Map(p.servicePorts.map((sp) => [sp.label, sp]));
        for (const vs of servers) {
          const sp = byLabel.get(`${vs.protocol} ${vs.ip}:${vs.port}`)!;
          expect(sp.id).toBeNull();
          expect(sp.frontends.map((f) => [f.kind, f.ip, f.port, f.protocol])).toEqual([['cluster-ip', vs.ip, vs.port, vs.protocol.toLowerCase()]]);
          const path = sp.clusterPath!;
          const want = vs.realServers.map((r) => `${r.ip}:${r.port}/${r.weight}`).sort();
          expect(path.backends.map((b) => `${b.ip}:${b.port}/${b.weight}`).sort()).toEqual(want);
          expect(path.steps).toHaveLength(vs.realServers.length);
          expect(path.affinitySeconds).toBe(vs.persistent);
          const sum = vs.realServers.reduce((a, r) => a + r.weight, 0);
          const total = path.backends.reduce((a, b) => a + (b.probability ?? 0), 0);
          if (sum > 0) expect(total).toBeCloseTo(1, 9);
          else expect(total).toBe(0);
        }
        expect(p.facts.unmappedChains).toHaveLength(servers.length);
      }),
      { numRuns: 200 },
    );
  });

  it('decodes the same model whatever order the virtual servers are listed in', () => {
    fc.assert(
      fc.property(listing, (servers) => {
        const a = decodeTexts({ ipvsadm: formatIpvsadm(servers) });
        const reversed = formatIpvsadm(servers).split('\n');
        // Reverse the service blocks (keeping each block's real servers under it).
        const head = reversed.slice(0, 3);
        const blocks: string[][] = [];
        for (const line of reversed.slice(3)) {
          if (line === '') continue;
          if (!line.startsWith('  ->')) blocks.push([line]);
          else blocks[blocks.length - 1].push(line);
        }
        const b = decodeTexts({ ipvsadm: `${[...head, ...blocks.reverse().flat()].join('\n')}\n` });
        const view = (x: typeof a) =>
          x.servicePorts.map((sp) => [sp.label, sp.clusterPath?.backends.map((bk) => [bk.ip, bk.port, bk.weight, bk.probability])]).sort((m, n) => (String(m[0]) < String(n[0]) ? -1 : 1));
        expect(view(b)).toEqual(view(a));
      }),
      { numRuns: 100 },
    );
  });
});

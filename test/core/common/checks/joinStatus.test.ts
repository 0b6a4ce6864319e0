import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PortJoin } from '../../../../core/common/checks/context';
import { usesClusterPath, usesLocalPath } from '../../../../core/common/checks/context';
import { hostIs, stripHostMask } from '../../../../core/common/checks/frontends';
import { joinStatus } from '../../../../core/common/checks/joinStatus';
import type { BackendAnomaly, JoinStatus } from '../../../../core/common/checks/joinStatus';
import type { ExpectedEndpoint, ExpectedServicePort } from '../../../../core/common/model';
import { WEB, backend, expectedOf, pathOf } from './_builders';

// joinStatus looks backend i up as expected endpoint i first (kube-proxy writes them in that
// order) and builds the per-IP index only for the rest: the answer must be what a plain
// set comparison gives, in any order, with repeats, on either path.

function reference(e: ExpectedServicePort, j: PortJoin): JoinStatus {
  const anomalies: BackendAnomaly[] = [];
  const ok = { cluster: true, local: true };
  for (const policy of ['cluster', 'local'] as const) {
    const uses = policy === 'cluster' ? usesClusterPath(e) : usesLocalPath(e);
    const eps = uses ? (policy === 'cluster' ? e.clusterEndpoints : e.localEndpoints) : [];
    const selected = new Set(eps.map((x) => `${x.ip}|${x.port}`));
    let n = 0;
    for (const sp of j.sps) {
      const path = policy === 'cluster' ? sp.clusterPath : sp.localPath;
      for (const b of path?.backends ?? []) {
        if (selected.has(`${b.ip}|${b.port}`)) n++;
        else {
          ok[policy] = false;
          const at = e.allEndpoints.filter((x) => x.ip === b.ip && x.port === b.port);
          anomalies.push({ policy, backend: b, ep: at.find((x) => x.serving) ?? at[0] });
        }
      }
    }
    if (n !== selected.size) ok[policy] = false;
  }
  return { anomalies, clusterOk: ok.cluster, localOk: ok.local };
}

const ips = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.10'];
const endpoint = fc.record({ ip: fc.constantFrom(...ips), port: fc.constantFrom(80, 81), ready: fc.boolean() });

describe('joinStatus', () => {
  it('gives what a plain set comparison gives, whatever the backends', () => {
    fc.assert(
      fc.property(
        fc.array(endpoint, { maxLength: 6 }),
        fc.array(fc.tuple(fc.constantFrom(...ips), fc.constantFrom(80, 81)), { maxLength: 7 }),
        fc.array(fc.tuple(fc.constantFrom(...ips), fc.constantFrom(80, 81)), { maxLength: 3 }),
        fc.boolean(),
        (eps, clusterBackends, localBackends, itpLocal) => {
          const e = expectedOf({ ...WEB, itpLocal, endpoints: eps.map((x) => ({ ...x, node: 'n1' })) });
          const sp = { clusterPath: pathOf('cluster', 'KUBE-SVC-X', clusterBackends.map(([ip, port]) => backend(ip, port))) } as PortJoin['sps'][number];
          if (localBackends.length > 0) sp.localPath = pathOf('local', 'KUBE-SVL-X', localBackends.map(([ip, port]) => backend(ip, port)));
          const j: PortJoin = { key: 'k', sps: [sp], e, orphan: null };
          expect(joinStatus(j)).toEqual(reference(e, j));
        },
      ),
    );
  });

  it.each([
    { name: 'in order', order: [0, 1, 2] },
    { name: 'shuffled', order: [2, 0, 1] },
    { name: 'one missing', order: [0, 2] },
    { name: 'one twice', order: [0, 1, 2, 2] },
  ])('reports the expected endpoints $name', ({ order }) => {
    const e = expectedOf({ ...WEB, endpoints: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }] });
    const eps: ExpectedEndpoint[] = e.clusterEndpoints;
    const sp = { clusterPath: pathOf('cluster', 'KUBE-SVC-X', order.map((i) => backend(eps[i].ip, eps[i].port))) } as PortJoin['sps'][number];
    const j: PortJoin = { key: 'k', sps: [sp], e, orphan: null };
    expect(joinStatus(j)).toEqual(reference(e, j));
  });
});

describe('hostIs', () => {
  it('is stripHostMask(value) === ip', () => {
    const part = fc.constantFrom('10.0.0.1', '10.0.0.1/32', '10.0.0.1/128', '10.0.0.1/24', 'fd00::1', 'fd00::1/128', 'fd00::1/32', '/32', '', '10.0.0.10/32');
    fc.assert(fc.property(part, part, (value, ip) => hostIs(value, ip) === (stripHostMask(value) === ip)));
  });
});

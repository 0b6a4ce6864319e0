import { describe, expect, it } from 'vitest';
import { nodeAddress, nodeObjects, pickScanNodes } from '../../../../core/node/collect/scanNodes';

const node = (name: string, addresses: { type: string; address: string }[]) => ({ kind: 'Node', metadata: { name }, status: { addresses } });

describe('nodeAddress', () => {
  const cases = [
    { name: 'prefers InternalIP', addrs: [{ type: 'Hostname', address: 'h' }, { type: 'ExternalIP', address: '203.0.113.1' }, { type: 'InternalIP', address: '10.0.0.1' }], want: '10.0.0.1' },
    { name: 'falls back to ExternalIP', addrs: [{ type: 'Hostname', address: 'h' }, { type: 'ExternalIP', address: '203.0.113.1' }], want: '203.0.113.1' },
    { name: 'falls back to the Hostname', addrs: [{ type: 'Hostname', address: 'node-a.lan' }], want: 'node-a.lan' },
    { name: 'gives nothing without addresses', addrs: [], want: undefined },
  ];
  it.each(cases)('$name', ({ addrs, want }) => {
    expect(nodeAddress(node('n', addrs))).toBe(want);
  });
});

describe('pickScanNodes', () => {
  const nodes = [node('b', [{ type: 'InternalIP', address: '10.0.0.2' }]), node('a', [{ type: 'InternalIP', address: '10.0.0.1' }]), node('..', [{ type: 'InternalIP', address: '10.0.0.3' }]), node('bare', [])];

  it('takes every node in name order, keeps a name the snapshot cannot hold as a problem, not a folder', () => {
    const { targets, unknown } = pickScanNodes(nodes, 'all');
    expect(unknown).toEqual([]);
    expect(targets.map((t) => t.name)).toEqual(['..', 'a', 'b', 'bare']);
    expect(targets[0]).toMatchObject({ name: '..', problem: expect.stringMatching(/cannot be a snapshot folder/) });
    expect(targets[0].address).toBeUndefined();
    expect(targets[3].problem).toMatch(/no InternalIP, ExternalIP or Hostname/);
  });

  it('applies a per-node address override and reports requested names the cluster lacks', () => {
    const { targets, unknown } = pickScanNodes(nodes, ['a', 'zz', 'bare'], { bare: { address: '192.0.2.9' } });
    expect(unknown).toEqual(['zz']);
    expect(targets).toEqual([{ name: 'a', address: '10.0.0.1' }, { name: 'bare', address: '192.0.2.9' }]);
  });

  it('reads Node objects from a kubectl-style List and ignores the other kinds', () => {
    const list = JSON.stringify({ items: [node('a', []), { kind: 'Pod', metadata: { name: 'p' } }, { kind: 'Node', metadata: {} }] });
    expect(nodeObjects(list).map((n) => n.metadata?.name)).toEqual(['a']);
  });
});

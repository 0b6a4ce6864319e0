import { invalidNameReason } from '../snapshot/snapshotLayout';

// Which nodes a scan visits and what it dials for each. The address comes from the Node object
// the way kubectl/kubelet rank them (InternalIP, then ExternalIP, then Hostname; k8s.io/api
// core/v1 NodeAddressType) unless the user overrides it per node. Node names are untrusted: they
// only ever become snapshot folder names, after the snapshot layout's own validation.

export interface ScanNodeTarget {
  name: string;
  /** undefined when the Node object has no usable address and no override is given. */
  address?: string;
  /** Why the node cannot be scanned (bad name, no address); it still gets a status. */
  problem?: string;
}

interface NodeAddress {
  type?: unknown;
  address?: unknown;
}

interface NodeObject {
  kind?: unknown;
  metadata?: { name?: unknown };
  status?: { addresses?: unknown };
}

const ADDRESS_ORDER = ['InternalIP', 'ExternalIP', 'Hostname'];

/** Node objects from the kubectl-style List in cluster.json. */
export function nodeObjects(clusterJson: string): NodeObject[] {
  const doc = JSON.parse(clusterJson) as { items?: unknown };
  const items = Array.isArray(doc.items) ? (doc.items as NodeObject[]) : [];
  return items.filter((o) => o && typeof o === 'object' && o.kind === 'Node' && typeof o.metadata?.name === 'string');
}

export function nodeAddress(node: NodeObject): string | undefined {
  const addrs = Array.isArray(node.status?.addresses) ? (node.status.addresses as NodeAddress[]) : [];
  for (const type of ADDRESS_ORDER) {
    const a = addrs.find((x) => x && x.type === type && typeof x.address === 'string' && x.address !== '');
    if (a) return a.address as string;
  }
  return undefined;
}

/**
 * The nodes to scan, in name order. Requested names not in the cluster are a usage error
 * (returned in `unknown`), so a typo never silently scans nothing.
 */
export function pickScanNodes(
  nodes: NodeObject[],
  wanted: string[] | 'all',
  overrides: Record<string, { address?: string }> = {},
): { targets: ScanNodeTarget[]; unknown: string[] } {
  const byName = new Map(nodes.map((n) => [n.metadata?.name as string, n]));
  const names = wanted === 'all' ? [...byName.keys()] : [...new Set(wanted)];
  const unknown = wanted === 'all' ? [] : names.filter((n) => !byName.has(n));
  const targets = names
    .filter((n) => byName.has(n))
    .sort()
    .map((name): ScanNodeTarget => {
      const bad = invalidNameReason(name);
      if (bad) return { name, problem: `node name ${JSON.stringify(name)} cannot be a snapshot folder (${bad}); not scanned` };
      const address = overrides[name]?.address ?? nodeAddress(byName.get(name) as NodeObject);
      if (!address) return { name, problem: 'the Node object has no InternalIP, ExternalIP or Hostname; give an address override' };
      return { name, address };
    });
  return { targets, unknown };
}

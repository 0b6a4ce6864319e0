import { nftNames } from '../analyze/clusterNames';
import type { PreparedCluster } from '../analyze/prepareCluster';
import { iptablesNames, usableCluster } from '../analyze/prepareCluster';
import { decodeIptables } from '../decode/iptables/decodeIptables';
import { decodeNftables } from '../decode/nftables/decodeNftables';
import type { IptablesNameTable } from '../kube/iptablesNameTable';
import type { ProgrammedNode, ProgrammedServicePort } from '../model';
import { parseIptablesSave } from '../parse/iptablesSave';
import { parseNftDump } from '../parse/nftDump';
import type { RuleSyntax } from './ruleSyntax';

// Which Service port each chain of a node file belongs to, from the decoded model: every
// ProgrammedServicePort lists its chains (service, endpoint, external, firewall chains; IPVS
// virtual services). Only the models decoded from `file` are used, so a chain of the same name
// in another dump (iptables leftovers next to nftables) is not labelled by mistake. The one
// exception is nft: nft.txt and nft.json are two listings of the SAME ruleset and the node's
// analysis decodes only one of them (nft.json first, core/common/analyze/nodeDumps.ts), so the
// other borrows its labels. A dump no model was decoded from (leftovers of another mode, or a
// node whose analysis failed) is decoded on its own. Labels never depend on comments: decoders
// map hash-named chains (large-cluster mode, no per-endpoint comments) through the cluster's
// name tables and the jump structure.

/** `ns/name:port/proto` (port name, else the ClusterIP port number), or null when unidentified. */
export function servicePortLabel(sp: ProgrammedServicePort): string | null {
  if (sp.id === null) return null;
  const { namespace, name, portName, protocol } = sp.id;
  const port = portName !== '' ? portName : String(sp.frontends.find((f) => f.kind === 'cluster-ip')?.port ?? sp.frontends[0]?.port ?? '');
  return `${namespace}/${name}${port !== '' ? `:${port}` : ''}/${protocol}`;
}

/** chain -> Service port label for the models decoded from `file` (`nodes/<node>/<name>`). */
export function chainServiceLabels(programmed: readonly ProgrammedNode[], file: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of programmed) {
    if (p.facts.file !== file) continue;
    for (const sp of p.servicePorts) {
      const label = servicePortLabel(sp);
      if (label === null) continue;
      for (const chain of sp.chains) if (!out.has(chain)) out.set(chain, label);
    }
  }
  return out;
}

/**
 * Labels for an iptables dump the node's mode does not use (iptables-mode leftovers next to
 * nftables or IPVS): the dump is decoded on its own, so its KUBE-SVC chains still name their
 * Service ports in the viewer.
 */
export function iptablesFileServiceLabels(text: string, node: string, file: string, names: IptablesNameTable | null): Map<string, string> {
  const decoded = decodeIptables(parseIptablesSave(text), { node, file, names });
  return chainServiceLabels([decoded], file);
}

/** Labels for an nft listing no model was decoded from: both kube-proxy tables decoded on their own. */
export function nftFileServiceLabels(text: string, node: string, file: string, cluster: PreparedCluster | null): Map<string, string> {
  const ruleset = parseNftDump(text);
  const usable = usableCluster(cluster);
  const decoded = ([4, 6] as const).map((family) => decodeNftables(ruleset, { node, file, family, names: usable ? nftNames(usable, family) : null }));
  return chainServiceLabels(decoded, file);
}

export interface FileLabelInput {
  node: string;
  /** File name inside the node folder, e.g. `iptables-save.txt`. */
  name: string;
  text: string;
  syntax: RuleSyntax;
  /** The node's decoded models (NodeAnalysis.programmed). */
  programmed: readonly ProgrammedNode[];
  cluster: PreparedCluster | null;
}

const NFT_LISTINGS = ['nft.json', 'nft.txt'];

/** chain -> Service port label for one node file, whichever model it comes from (see the top comment). */
export function fileServiceLabels(input: FileLabelInput): Map<string, string> {
  const { node, name, text, syntax, programmed, cluster } = input;
  const file = `nodes/${node}/${name}`;
  const own = chainServiceLabels(programmed, file);
  if (own.size > 0) return own;
  if (syntax === 'nft' || syntax === 'nft-json') {
    for (const other of NFT_LISTINGS) {
      if (other === name) continue;
      const sibling = chainServiceLabels(programmed, `nodes/${node}/${other}`);
      if (sibling.size > 0) return sibling;
    }
    return text.includes('kube-proxy') ? nftFileServiceLabels(text, node, file, cluster) : own;
  }
  if (syntax === 'iptables' && (text.includes(':KUBE-SVC-') || text.includes(':KUBE-SVL-'))) {
    const usable = usableCluster(cluster);
    return iptablesFileServiceLabels(text, node, file, usable ? iptablesNames(usable, name.startsWith('ip6') ? 6 : 4) : null);
  }
  return own;
}

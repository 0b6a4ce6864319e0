import { decodeIptables } from '../decode/iptables/decodeIptables';
import type { IptablesNameTable } from '../kube/iptablesNameTable';
import type { ProgrammedNode, ProgrammedServicePort } from '../model';
import { parseIptablesSave } from '../parse/iptablesSave';

// Which Service port each chain of a node file belongs to, from the decoded model: every
// ProgrammedServicePort lists its chains (service, endpoint, external, firewall chains; IPVS
// virtual services). Only the models decoded from `file` are used, so a chain of the same name
// in another dump (iptables leftovers next to nftables) is not labelled by mistake.

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

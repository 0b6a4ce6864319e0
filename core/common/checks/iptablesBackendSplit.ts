import type { Evidence, Finding, IptablesDump } from '../model';
import type { NodeDumpFile } from './context';
import { makeFinding } from './makeFinding';

// iptables-backend-split (C03): kube-proxy Service rules in both the nf_tables and the legacy
// iptables backend of a node (k/k#71305, #82361), or a default (nft) dump that warns about legacy
// tables while holding no kube-proxy rules: then the rules that matter are in the other backend.
// Packets traverse both backends' hooks, so a stale copy in one of them still DNATs traffic.

const SERVICE_TARGETS = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-XLB-'];

/** First KUBE-SERVICES rule that jumps to a per-Service chain, if any. */
export function firstServiceJump(dump: IptablesDump): { line: number; raw: string } | null {
  const chain = dump.tables.get('nat')?.chains.get('KUBE-SERVICES');
  if (!chain) return null;
  for (const r of chain.rules) {
    const t = r.target;
    if (t && SERVICE_TARGETS.some((p) => t.startsWith(p))) return { line: r.line, raw: r.raw };
  }
  return null;
}

function hintIn(dump: IptablesDump): boolean {
  return !!dump.tables.get('mangle')?.chains.has('KUBE-IPTABLES-HINT');
}

const PAIRS: { main: string; legacy: string; tool: string }[] = [
  { main: 'iptables-save.txt', legacy: 'iptables-legacy-save.txt', tool: 'iptables' },
  { main: 'ip6tables-save.txt', legacy: 'ip6tables-legacy-save.txt', tool: 'ip6tables' },
];

export function checkIptablesBackendSplit(node: string, files: NodeDumpFile[]): Finding[] {
  const out: Finding[] = [];
  for (const pair of PAIRS) {
    const main = files.find((f) => f.name === pair.main);
    const legacy = files.find((f) => f.name === pair.legacy);
    if (!main) continue;
    const mainJump = firstServiceJump(main.dump);
    const legacyJump = legacy ? firstServiceJump(legacy.dump) : null;
    const ev = (f: NodeDumpFile, j: { line: number; raw: string }): Evidence => ({ node, file: f.file, line: j.line, raw: j.raw });
    if (mainJump && legacy && legacyJump) {
      const hint = hintIn(main.dump) ? `${pair.main} (nf_tables)` : hintIn(legacy.dump) ? `${pair.legacy} (legacy)` : null;
      out.push(
        makeFinding({
          check: 'iptables-backend-split',
          severity: 'critical',
          node,
          title: `kube-proxy rules in both iptables backends on ${node}`,
          message:
            `Both ${main.file} and ${legacy.file} hold kube-proxy Service rules. The kernel runs both sets, so Service traffic can be ` +
            'DNATed by a stale copy to pods that no longer exist, and fixes in one backend do not take effect. This happens when kube-proxy ' +
            `and the host (or an older kube-proxy) use different iptables backends. ${hint ? `The KUBE-IPTABLES-HINT chain kubelet writes is in ${hint}, so that is the backend in use; the other copy is stale.` : 'Neither dump has the KUBE-IPTABLES-HINT chain that tells which backend kubelet uses.'}`,
          nextSteps: [
            `on ${node}: iptables-nft-save -t mangle | grep KUBE-IPTABLES-HINT; iptables-legacy-save -t mangle | grep KUBE-IPTABLES-HINT`,
            `kubectl -n kube-system logs <kube-proxy pod on ${node}> | grep -i -e "iptables" -e "backend"`,
            `after confirming which backend is stale, remove its kube-proxy chains on ${node} (e.g. kube-proxy --cleanup with that backend's iptables binary) and restart kube-proxy`,
          ],
          evidence: [ev(main, mainJump), ev(legacy, legacyJump)],
        }),
      );
      continue;
    }
    const warning = main.dump.legacyTablesWarning;
    if (!mainJump && warning && !(legacy && !legacyJump)) {
      out.push(
        makeFinding({
          check: 'iptables-backend-split',
          severity: 'critical',
          node,
          title: `kube-proxy rules are not in the default iptables backend on ${node}`,
          message:
            `${main.file} has no kube-proxy Service rules but warns that legacy iptables tables are present` +
            `${legacyJump && legacy ? `, and ${legacy.file} does hold kube-proxy rules` : ''}. kube-proxy writes to a different iptables backend ` +
            'than the host tools (and usually kubelet and the CNI plugin) use: a split that breaks masquerading, NodePorts and hairpin traffic ' +
            'in ways that are hard to see.',
          nextSteps: [
            `on ${node}: ${pair.tool}-legacy-save -t nat | grep -c KUBE-SVC`,
            `on ${node}: ${pair.tool}-nft-save -t mangle | grep KUBE-IPTABLES-HINT   # the backend kubelet uses`,
            'run kube-proxy with the same iptables backend as the host (kube-proxy images pick it with iptables-wrapper)',
          ],
          evidence: [
            { node, file: main.file, line: warning.line, raw: warning.raw },
            ...(legacy && legacyJump ? [ev(legacy, legacyJump)] : []),
          ],
        }),
      );
    }
  }
  return out;
}

import type { Evidence, Finding, IptablesDump } from '../model';
import type { NodeLevelContext } from './nodeLevel';
import { firstServiceJump } from './iptablesBackendSplit';
import { listSome, makeFinding } from './makeFinding';
import { kubeProxyLogs, restartKubeProxy } from './nextSteps';

// canary-missing (C05): iptables-mode kube-proxy keeps an empty KUBE-PROXY-CANARY chain in the
// mangle, nat and filter tables and checks it every sync period (pkg/proxy/iptables/proxier.go
// NewProxier: ipt.Monitor(kubeProxyCanaryChain, mangle/nat/filter)); when one disappears it
// rewrites every rule. A dump with kube-proxy rules but no canary means the tables were flushed
// and kube-proxy has not noticed: it is not running, hung, or the flush happened seconds before
// the capture. Only iptables mode: the IPVS proxier starts no such monitor (pkg/proxy/ipvs/
// proxier.go NewProxier) and nftables mode has no iptables canary.

export const CANARY_CHAIN = 'KUBE-PROXY-CANARY';
const TABLES = ['mangle', 'nat', 'filter'] as const;

export function checkCanaryMissing(ctx: NodeLevelContext): Finding[] {
  if (ctx.mode !== 'iptables') return [];
  const decoded = new Set(ctx.programmed.map((p) => p.facts.file));
  const out: Finding[] = [];
  for (const f of ctx.dumps.iptables) {
    if (!decoded.has(f.file)) continue;
    const missing = missingTables(f.dump);
    if (missing.length === 0) continue;
    const jump = firstServiceJump(f.dump);
    const evidence: Evidence[] = missing.map((t) => {
      const table = f.dump.tables.get(t);
      return { node: ctx.node, file: f.file, line: table?.line ?? 0, raw: `*${t}   (no :${CANARY_CHAIN} chain in this table)` };
    });
    if (jump) evidence.push({ node: ctx.node, file: f.file, line: jump.line, raw: jump.raw });
    const tool = f.name.startsWith('ip6') ? 'ip6tables' : 'iptables';
    out.push(
      makeFinding({
        check: 'canary-missing',
        severity: 'high',
        node: ctx.node,
        title: `kube-proxy's canary chain is missing from the ${listSome(missing)} table${missing.length > 1 ? 's' : ''} on ${ctx.node}`,
        message:
          `${f.file} has kube-proxy Service rules but no ${CANARY_CHAIN} chain in ${listSome(missing)}. kube-proxy creates that empty chain in mangle, nat and ` +
          'filter and looks for it every sync period (30 s by default): when it is gone, something flushed the tables (a firewall script, `iptables -F`, a ' +
          'restore of saved rules) and kube-proxy rewrites all its rules. Still missing means kube-proxy did not notice: it is not running, it is stuck, or ' +
          'the flush happened seconds before the capture. Until it resyncs, any rule the flush removed is gone and the rest are no longer kept up to date.',
        nextSteps: [
          `on ${ctx.node}: ${tool}-save -t mangle | grep ${CANARY_CHAIN}   # again after a minute`,
          ...kubeProxyLogs(ctx.node),
          'look for firewall tools on the node that flush iptables (firewalld reloads, ufw, custom scripts)',
          restartKubeProxy(ctx.node),
        ],
        evidence,
      }),
    );
  }
  return out;
}

/**
 * Tables present in the dump that lack the canary. Judged only when the dump has a mangle table:
 * on a kube-proxy node mangle always holds kubelet's and kube-proxy's canaries, so a dump
 * without it is partial (`iptables-save -t nat`) or restore input, not a capture of the node.
 */
export function missingTables(dump: IptablesDump): string[] {
  const out: string[] = [];
  if (!dump.tables.has('mangle')) return out;
  for (const t of TABLES) {
    const table = dump.tables.get(t);
    if (table && !table.chains.has(CANARY_CHAIN)) out.push(t);
  }
  return out;
}

import type { Evidence, Finding } from '../model';
import type { NodeDumps, NodeLevelContext } from './nodeLevel';
import { isProxyMode, observedMode, planeOf } from '../analyze/detectMode';
import type { DataPlanes } from '../analyze/dataPlanes';
import { observePlanes } from '../analyze/dataPlanes';
import { DATA_PLANE_FILES } from '../analyze/nodeDumps';
import { makeFinding } from './makeFinding';
import { kubeProxyLogs } from './nextSteps';

// proxy-mode-mismatch (C01): the mode kube-proxy says it runs (proxy-mode.txt, its
// :10249/proxyMode answer) against the plane that actually holds the Service rules; and a node
// with no kube-proxy plane at all, which usually means something else implements Services
// (Cilium's kube-proxy replacement, kube-router, Calico eBPF, Antrea proxy): that is a note, not
// "every Service is missing". Shapes of the planes: analyze/dataPlanes.ts.

const MODE_TEXT: Record<string, string> = {
  iptables: 'iptables (KUBE-SERVICES → KUBE-SVC-… chains)',
  nftables: 'nftables (`table ip kube-proxy`)',
  ipvs: 'IPVS (virtual servers on kube-ipvs0 addresses)',
};

export function checkProxyModeMismatch(ctx: NodeLevelContext): Finding[] {
  const { node, dumps } = ctx;
  const planes = observePlanes(node, dumps);
  const reported = dumps.reportedMode;
  const observed = observedMode(node, dumps, ctx.index);
  if (!reported) return observed.mode === 'unknown' ? [noPlane(node, dumps, planes)] : [];

  const reportedEv: Evidence = { node, file: reported.file, line: 1, raw: reported.mode };
  if (!isProxyMode(reported.mode)) {
    if (observed.mode === 'unknown') return [];
    return [
      makeFinding({
        check: 'proxy-mode-mismatch',
        severity: 'high',
        node,
        title: `kube-proxy on ${node} reports mode "${reported.mode}", but the node has ${observed.mode} rules`,
        message:
          `kube-proxy answered "${reported.mode}" to /proxyMode, which is not a Linux mode (iptables, nftables, ipvs), yet the node holds ` +
          `kube-proxy Service rules of ${MODE_TEXT[observed.mode]}. Either the capture of proxy-mode.txt went wrong, or the process answering ` +
          `is not the kube-proxy that wrote these rules. Proxyscope analysed the ${observed.mode} rules.`,
        nextSteps: [`on ${node}: curl -s http://127.0.0.1:10249/proxyMode`, ...kubeProxyLogs(node)],
        evidence: [reportedEv, ...planeOf(planes, observed.mode).evidence.slice(0, 2)],
      }),
    ];
  }
  const mode = reported.mode;
  const own = planeOf(planes, mode);
  // Not captured: nothing to compare (limitations say the dumps are missing).
  if (!own.captured || own.services > 0) return [];
  if (observed.mode === 'unknown') {
    if (own.present) return []; // kube-proxy's structure is there but programs nothing: service-not-programmed says so.
    return [
      makeFinding({
        check: 'proxy-mode-mismatch',
        severity: 'high',
        node,
        title: `kube-proxy on ${node} reports ${mode} mode, but there are no ${mode} rules`,
        message:
          `kube-proxy answered "${mode}" to /proxyMode, but the ${mode} capture of ${node} holds none of its structure (${MODE_TEXT[mode]}). ` +
          'kube-proxy has not completed a sync since it started, or its rules were flushed by hand or by another agent: Services do not work ' +
          'from this node until it syncs.',
        nextSteps: [...kubeProxyLogs(node), `on ${node}: ${captureCommand(mode)}`],
        evidence: [reportedEv, ...absent(node, dumps, mode)],
      }),
    ];
  }
  return [
    makeFinding({
      check: 'proxy-mode-mismatch',
      severity: 'high',
      node,
      title: `kube-proxy on ${node} reports ${mode} mode, but the Service rules are ${observed.mode} rules`,
      message:
        `kube-proxy answered "${mode}" to /proxyMode, but ${own.present ? `its ${mode} structure holds no Service entries` : `there is no ${mode} structure on ${node}`}, ` +
        `while ${MODE_TEXT[observed.mode]} holds ${planeOf(planes, observed.mode).services} Service entries. ` +
        `Traffic to Services is handled by those ${observed.mode} rules, which the running kube-proxy no longer updates: they go stale with every ` +
        `endpoint change. This happens after a mode switch that did not clean up and did not complete its first sync. Proxyscope analysed the ${observed.mode} rules ` +
        'so the findings below show how stale they are.',
      nextSteps: [
        ...kubeProxyLogs(node),
        `on ${node}: ${captureCommand(mode)}`,
        `after kube-proxy syncs in ${mode} mode, remove the ${observed.mode} rules: kube-proxy --cleanup --proxy-mode=${observed.mode} (kube-proxy image, privileged, host network) on ${node}`,
      ],
      evidence: [reportedEv, ...planeOf(planes, observed.mode).evidence.slice(0, 2), ...(own.present ? own.evidence.slice(0, 1) : absent(node, dumps, mode))],
    }),
  ];
}

function captureCommand(mode: string): string {
  if (mode === 'nftables') return 'nft list table ip kube-proxy | head -50';
  if (mode === 'ipvs') return 'ipvsadm -Ln | head -30; ip -o addr show kube-ipvs0 | head';
  return 'iptables-save -t nat | grep -c KUBE-SVC';
}

/** "Nothing here" evidence: the capture of a plane that lacks kube-proxy's structure. */
function absent(node: string, dumps: NodeDumps, mode: string): Evidence[] {
  const files = mode === 'nftables' ? dumps.nft.map((f) => f.file) : mode === 'ipvs' ? (dumps.ipvs ? [dumps.ipvs.file] : []) : dumps.iptables.map((f) => f.file);
  return files.slice(0, 2).map((file) => ({ node, file, line: 0, raw: `(no kube-proxy ${mode} rules in this dump)` }));
}

interface Sign {
  who: string;
  evidence: Evidence;
}

/** Traces of components that implement Services instead of kube-proxy. */
function replacementSigns(node: string, dumps: NodeDumps, planes: DataPlanes): Sign[] {
  const out: Sign[] = [];
  const seen = new Set<string>();
  const add = (who: string, evidence: Evidence) => {
    if (seen.has(who)) return;
    seen.add(who);
    out.push({ who, evidence });
  };
  for (const f of dumps.iptables) {
    for (const table of f.dump.tables.values()) {
      for (const chain of table.chains.values()) {
        const who = chain.name.startsWith('CILIUM_') ? 'Cilium' : chain.name.startsWith('ANTREA-') ? 'Antrea' : chain.name.startsWith('KUBE-ROUTER-') ? 'kube-router' : null;
        if (!who) continue;
        const r = chain.rules[0];
        add(who, r ? { node, file: f.file, line: r.line, raw: r.raw } : { node, file: f.file, line: chain.line, raw: `:${chain.name}` });
      }
    }
  }
  for (const f of dumps.nft) {
    for (const t of f.dump.tables) {
      const who = t.name.includes('cilium') ? 'Cilium' : t.name.includes('antrea') ? 'Antrea' : t.name.includes('calico') ? 'Calico' : null;
      if (who) add(who, { node, file: f.file, line: t.line, raw: t.line > 0 ? t.raw : `table ${t.family} ${t.name}` });
    }
  }
  for (const a of dumps.ipAddr?.dump.addresses ?? []) {
    const n = a.ifname;
    const who = n.startsWith('cilium_') ? 'Cilium' : n === 'kube-dummy-if' || n === 'kube-bridge' ? 'kube-router' : n.startsWith('antrea-') ? 'Antrea' : n.startsWith('bpfin.cali') || n.startsWith('bpfout.cali') ? 'Calico eBPF' : null;
    if (who && dumps.ipAddr) add(who, { node, file: dumps.ipAddr.file, line: a.line, raw: a.raw });
  }
  if (planes.ipvs.foreign && dumps.ipvs) {
    const vs = dumps.ipvs.dump.services[0];
    add('another IPVS user (kube-router, keepalived)', { node, file: dumps.ipvs.file, line: vs.line, raw: vs.raw });
  }
  return out;
}

function noPlane(node: string, dumps: NodeDumps, planes: DataPlanes): Finding {
  const signs = replacementSigns(node, dumps, planes);
  const captured = DATA_PLANE_FILES.filter((n) => [...dumps.iptables, ...dumps.nft, ...(dumps.ipvs ? [dumps.ipvs] : [])].some((f) => f.name === n));
  const who = signs.map((s) => s.who);
  return makeFinding({
    check: 'proxy-mode-mismatch',
    severity: 'info',
    node,
    title: who.length > 0 ? `No kube-proxy rules on ${node}: Services look handled by ${who.join(' / ')}` : `No kube-proxy rules on ${node}: kube-proxy may be replaced or not running`,
    message:
      `None of the captured dumps of ${node} (${captured.join(', ')}) holds kube-proxy's rules in any mode (iptables, nftables, IPVS). ` +
      (who.length > 0
        ? `They do hold traces of ${who.join(' and ')}, which can implement Services itself (e.g. Cilium's kube-proxy replacement uses eBPF, which these dumps cannot show). `
        : 'Clusters that replace kube-proxy (Cilium, kube-router, Calico eBPF, Antrea proxy) look like this. ') +
      'So Proxyscope did not check this node\'s Services and reports no "missing rules" here. If this cluster does run kube-proxy, it is not ' +
      'working on this node and no Service is reachable from it.',
    nextSteps: [
      'kubectl -n kube-system get daemonset kube-proxy -o wide',
      `kubectl -n kube-system get pods -o wide --field-selector spec.nodeName=${node}`,
      'kubectl -n kube-system exec ds/cilium -- cilium-dbg status | grep KubeProxyReplacement   # when Cilium is the CNI',
    ],
    evidence: signs.length > 0 ? signs.map((s) => s.evidence) : captured.map((name) => ({ node, file: `nodes/${node}/${name}`, line: 0, raw: '(no kube-proxy rules in this dump)' })),
  });
}

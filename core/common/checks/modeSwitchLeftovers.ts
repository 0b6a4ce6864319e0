import type { Evidence, Finding, ProxyMode, Severity } from '../model';
import type { NodeLevelContext } from './nodeLevel';
import type { DataPlanes, IptablesFileFacts } from '../analyze/dataPlanes';
import { observePlanes } from '../analyze/dataPlanes';
import { makeFinding, plural } from './makeFinding';
import { restartKubeProxy } from './nextSteps';

// mode-switch-leftovers (C04): the data plane of a mode kube-proxy does not run any more. Since
// v1.29 kube-proxy removes the nftables table when it starts in iptables/IPVS mode and the
// iptables/IPVS state when it starts in nftables mode (cmd/kube-proxy/app/server_linux.go
// platformCleanup); between iptables and IPVS nothing is cleaned automatically. Leftovers with
// Service entries still sit in the packet path next to the live rules and are never updated:
// high. Leftover structure without Service entries (empty chains, an empty table, ipsets): low.

const SERVICE_CHAINS = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-', 'KUBE-XLB-'];

export function checkModeSwitchLeftovers(ctx: NodeLevelContext): Finding[] {
  const mode = ctx.mode;
  if (mode === 'unknown') return [];
  const planes = observePlanes(ctx.node, ctx.dumps);
  const out: Finding[] = [];
  if (mode !== 'iptables') out.push(...iptablesLeftovers(ctx.node, mode, planes));
  if (mode !== 'nftables') out.push(...nftLeftovers(ctx.node, mode, planes));
  if (mode !== 'ipvs') out.push(...ipvsLeftovers(ctx.node, mode, planes));
  return out;
}

function title(node: string, what: string, mode: ProxyMode): string {
  return `Leftover ${what} on ${node} (kube-proxy runs in ${mode} mode)`;
}

function stale(mode: ProxyMode): string {
  return `kube-proxy on this node runs in ${mode} mode and never updates them, so every endpoint change since the switch makes them more wrong`;
}

/** nat chains of iptables mode that nothing in KUBE-SERVICES jumps to any more. */
function serviceChainCount(f: IptablesFileFacts): { count: number; first?: string } {
  let count = 0;
  let first: string | undefined;
  for (const name of f.parsed.dump.tables.get('nat')?.chains.keys() ?? []) {
    if (!name.startsWith('KUBE-')) continue;
    if (SERVICE_CHAINS.some((p) => name.startsWith(p))) {
      count++;
      first ??= name;
    }
  }
  return { count, first };
}

function iptablesLeftovers(node: string, mode: ProxyMode, planes: DataPlanes): Finding[] {
  const out: Finding[] = [];
  for (const f of planes.iptables.files) {
    const entries = f.serviceJumps + f.noEndpointRules;
    const chains = serviceChainCount(f);
    const tool = `${f.family === 6 ? 'ip6tables' : 'iptables'}${f.legacy ? '-legacy' : ''}-save`;
    // In IPVS mode KUBE-SERVICES is kube-proxy's own (match-set rules); only iptables-mode entries are leftovers there.
    const ipvsRules = mode === 'nftables' ? f.ipvsMatchSet : undefined;
    if (entries === 0 && chains.count === 0 && !ipvsRules) continue;
    const live = entries > 0 && f.hook !== undefined;
    const severity: Severity = live ? 'high' : 'low';
    const evidence: Evidence[] = [];
    if (f.firstJump) evidence.push(f.firstJump);
    if (f.hook) evidence.push(f.hook);
    if (ipvsRules) evidence.push(ipvsRules);
    if (evidence.length === 0 && f.kubeServices) evidence.push(f.kubeServices);
    if (evidence.length === 0) evidence.push({ node, file: f.parsed.file, line: 0, raw: `(${plural(chains.count, 'iptables-mode chain')}, e.g. ${chains.first ?? ''})` });
    out.push(
      makeFinding({
        check: 'mode-switch-leftovers',
        severity,
        node,
        title: title(node, `iptables-mode kube-proxy rules in ${f.parsed.name}`, mode),
        message: live
          ? `${f.parsed.file} still holds ${plural(entries, 'Service entry', 'Service entries')} of iptables-mode kube-proxy (KUBE-SERVICES → KUBE-SVC-… jumps and REJECTs), ` +
            `and KUBE-SERVICES is still hooked into the nat table. Service traffic passes these rules as well as the ${mode} ones: whichever DNATs first wins, ` +
            `so connections can go to pods listed only here (deleted since) or be rejected. ${stale(mode)}.`
          : `${f.parsed.file} still has ${plural(chains.count, 'per-Service chain')} of iptables-mode kube-proxy (e.g. ${chains.first ?? 'KUBE-SERVICES'})` +
            `${ipvsRules ? ' and IPVS-mode match-set rules' : ''}, but nothing hooks them into the packet path any more. They do no harm now, but they confuse ` +
            `anyone reading iptables-save and come alive if something jumps to KUBE-SERVICES again.`,
        nextSteps: [
          `on ${node}: ${tool} -t nat | grep -c -- '-j KUBE-SVC-'`,
          `on ${node}: run kube-proxy --cleanup (kube-proxy image, privileged, host network) to remove every kube-proxy rule, then restart kube-proxy so it rewrites its ${mode} rules`,
          restartKubeProxy(node),
        ],
        evidence,
      }),
    );
  }
  return out;
}

function nftLeftovers(node: string, mode: ProxyMode, planes: DataPlanes): Finding[] {
  const out: Finding[] = [];
  for (const t of planes.nftables.tables) {
    const fam = t.family === 6 ? 'ip6' : 'ip';
    const live = t.services > 0;
    const tableEv: Evidence = { node, file: t.file, line: t.table.line, raw: t.table.line > 0 ? t.table.raw : `table ${fam} kube-proxy` };
    const el = t.table.maps.get('service-ips')?.elements[0] ?? t.table.maps.get('service-nodeports')?.elements[0];
    out.push(
      makeFinding({
        check: 'mode-switch-leftovers',
        severity: live ? 'high' : 'low',
        node,
        title: title(node, `nftables table ${fam} kube-proxy`, mode),
        message: live
          ? `The nftables table \`${fam} kube-proxy\` of nftables-mode kube-proxy is still loaded with ${plural(t.services, 'Service entry', 'Service entries')}. ` +
            `Its base chains hook prerouting and output like the ${mode} rules do, so Service connections can be DNATed by this stale copy instead. ${stale(mode)}. ` +
            'kube-proxy deletes this table when it starts in iptables or IPVS mode, so either that cleanup failed or kube-proxy has not restarted since the table was created.'
          : `The nftables table \`${fam} kube-proxy\` is still there but holds no Service entries. It does no harm, but kube-proxy deletes it when it starts in ` +
            `${mode} mode, so its presence means that cleanup failed or something recreated it.`,
        nextSteps: [
          `on ${node}: nft list table ${fam} kube-proxy | head -40`,
          `on ${node}: nft delete table ${fam} kube-proxy   # only while kube-proxy runs in ${mode} mode`,
        ],
        evidence: el ? [tableEv, { node, file: t.file, line: el.line, raw: el.raw }] : [tableEv],
      }),
    );
  }
  return out;
}

function ipvsLeftovers(node: string, mode: ProxyMode, planes: DataPlanes): Finding[] {
  const p = planes.ipvs;
  if (!p.present) return [];
  const live = p.services > 0 || p.ipvs0Addresses.length > 0;
  const parts: string[] = [];
  if (p.services > 0) parts.push(plural(p.services, 'IPVS virtual server'));
  if (p.ipvs0Addresses.length > 0) parts.push(`${plural(p.ipvs0Addresses.length, 'address', 'addresses')} on kube-ipvs0`);
  return [
    makeFinding({
      check: 'mode-switch-leftovers',
      severity: live ? 'high' : 'low',
      node,
      title: title(node, 'IPVS-mode state', mode),
      message: live
        ? `IPVS-mode kube-proxy left ${parts.join(' and ')} on ${node}. The kube-ipvs0 addresses make every old ClusterIP a local address of the node, and ` +
          'traffic to a Service address the live rules do not catch (e.g. of a Service deleted since) is load-balanced by IPVS to the backends of the time. ' +
          `${stale(mode)}. kube-proxy does not clean IPVS state when switched to iptables mode.`
        : `IPVS-mode kube-proxy left ipsets or match-set rules (KUBE-CLUSTER-IP ...) on ${node}, without virtual servers. Harmless, but a sign the switch from IPVS mode was not cleaned up.`,
      nextSteps: [
        `on ${node}: ipvsadm -Ln | head -30; ip -o addr show kube-ipvs0 | head`,
        `on ${node}: run kube-proxy --cleanup (kube-proxy image, privileged, host network) to remove IPVS virtual servers, kube-ipvs0 and the KUBE-* ipsets, then restart kube-proxy so it rewrites its ${mode} rules`,
      ],
      evidence: p.evidence.slice(0, 4),
    }),
  ];
}

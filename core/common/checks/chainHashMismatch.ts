import type { Finding } from '../model';
import type { NodeCheckContext } from './context';
import { listSome, makeFinding } from './makeFinding';
import { grepRules } from './nextSteps';

// chain-hash-mismatch (C12): a chain whose name is not the hash kube-proxy would compute for what
// its comment / DNAT target says it is. Upstream kube-proxy cannot produce that, so the rules come
// from a fork, a hand edit or another tool; the mapping falls back to comments for them.

const CLAIM = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)(?::([^\s]*))?/;

export function checkChainHashMismatch(ctx: NodeCheckContext): Finding[] {
  return ctx.programmed.nameMismatches.map((m) => {
    const claim = CLAIM.exec(m.claimed);
    const service = claim ? `${claim[1]}/${claim[3]}` : null;
    const port = claim && claim[5] ? claim[5] : null;
    return makeFinding({
      check: 'chain-hash-mismatch',
      severity: 'medium',
      node: ctx.node,
      service,
      port,
      title: `Chain ${m.chain} on ${ctx.node} is not named the way kube-proxy names "${m.claimed}"`,
      message:
        `${m.chain} says it belongs to "${m.claimed}", but kube-proxy would have named it ${listSome(m.expected, 2)}. ` +
        'Upstream kube-proxy always derives chain names from that hash, so these rules were written by something else ' +
        '(a fork such as k3s, a hand edit, a restore of rules from another cluster). Proxyscope maps them by comment, which is less reliable.',
      nextSteps: [grepRules(ctx.node, m.chain), `kubectl -n kube-system get ds -o wide   # which proxy runs on ${ctx.node}`],
      evidence: [m.evidence],
    });
  });
}

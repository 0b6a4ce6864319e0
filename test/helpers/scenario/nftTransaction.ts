// A tiny knftables-like transaction writer: `add table|chain|set|map|rule|element` lines for
// one table, in the order they are added (nft -f resolves names while it reads, so every object
// must be added before a rule or element refers to it). Chains are added once, like kube-proxy's
// ensureChain (pkg/proxy/nftables/proxier.go). Syntax follows knftables' transaction output
// (sigs.k8s.io/knftables, as in kube-proxy's proxier_test.go fixtures): `{ type … ; comment "…" ; }`.

export interface NftTx {
  /** `ip` or `ip6`. */
  readonly family: 'ip' | 'ip6';
  table(comment: string): void;
  /** Adds a regular chain unless it was added already. */
  chain(name: string, comment?: string): void;
  baseChain(name: string, type: 'filter' | 'nat', hook: string, priority: number): void;
  set(name: string, props: string[]): void;
  map(name: string, props: string[]): void;
  rule(chain: string, rule: string, comment?: string): void;
  element(set: string, key: string, opts?: { value?: string; comment?: string }): void;
  text(): string;
}

const TABLE = 'kube-proxy';

export function quote(s: string): string {
  return `"${s}"`;
}

export function nftTx(family: 'ip' | 'ip6'): NftTx {
  const lines: string[] = [];
  const chains = new Set<string>();
  const add = (what: string, rest: string) => lines.push(`add ${what} ${family} ${TABLE} ${rest}`);
  const block = (props: string[]) => `{ ${props.map((p) => `${p} ; `).join('')}}`;
  return {
    family,
    table(comment) {
      lines.push(`add table ${family} ${TABLE} { comment ${quote(comment)} ; }`);
    },
    chain(name, comment) {
      if (chains.has(name)) return;
      chains.add(name);
      add('chain', comment === undefined ? name : `${name} ${block([`comment ${quote(comment)}`])}`);
    },
    baseChain(name, type, hook, priority) {
      chains.add(name);
      add('chain', `${name} ${block([`type ${type} hook ${hook} priority ${priority}`])}`);
    },
    set(name, props) {
      add('set', `${name} ${block(props)}`);
    },
    map(name, props) {
      add('map', `${name} ${block(props)}`);
    },
    rule(chain, rule, comment) {
      add('rule', `${chain} ${rule}${comment === undefined ? '' : ` comment ${quote(comment)}`}`);
    },
    element(set, key, opts = {}) {
      const comment = opts.comment === undefined ? '' : ` comment ${quote(opts.comment)}`;
      const value = opts.value === undefined ? '' : ` : ${opts.value}`;
      add('element', `${set} { ${key}${comment}${value} }`);
    },
    text() {
      return `${lines.join('\n')}\n`;
    },
  };
}

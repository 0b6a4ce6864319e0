import type { Token } from './token';
import { mergeTokens, scanPieces, wordKind } from './token';

// `nft list ruleset` text (and kube-proxy's `nft -f` transactions): `table ip kube-proxy {`,
// `chain NAME {`, `map NAME {`, `type nat hook prerouting priority dstnat; policy accept;`, rules
// with `jump NAME` / `goto NAME`, verdict maps `vmap { ... : goto NAME, ... }`, `comment "..."`.
// kube-proxy's chain names contain `/` (`service-HASH-ns/name/tcp/port`) but never `,{};`.

const KEYWORDS = new Set([
  'table', 'chain', 'map', 'set', 'type', 'hook', 'priority', 'policy', 'elements', 'flags', 'counter',
  'comment', 'vmap', 'ip', 'ip6', 'inet', 'meta', 'th', 'tcp', 'udp', 'sctp', 'ct', 'fib', 'numgen',
  'random', 'mod', 'daddr', 'saddr', 'dport', 'sport', 'l4proto', 'mark', 'state', 'add', 'flush',
  'delete', 'destroy', 'rule', 'element', 'define', 'jhash', 'limit', 'rate', 'typeof', 'timeout', 'log',
  'prefix', 'to', 'iifname', 'oifname', 'local', 'new', 'established', 'related', 'invalid', 'interval',
]);
const VERDICTS = new Set(['accept', 'drop', 'reject', 'return', 'continue', 'dnat', 'snat', 'masquerade', 'redirect', 'queue', 'notrack']);
const BREAKS = ',{};';

const FAMILIES = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);
const COMMANDS = new Set(['add', 'create', 'insert', 'replace', 'flush', 'delete', 'destroy', 'list', 'reset']);
const OBJECTS = new Set(['chain', 'rule', 'map', 'set', 'element']);

export function tokenizeNft(line: string): Token[] {
  const trimmed = line.trimStart();
  if (trimmed.startsWith('#')) return [{ text: line, kind: 'comment' }];
  const out: Token[] = [];
  // Words still to read of a `[family] table [chain]` reference, and whether a chain name ends it.
  let ref: 'family' | 'table' | 'chain' | null = null;
  let jump = false;
  let words = 0;
  let command = false;
  for (const p of scanPieces(line, BREAKS)) {
    if (p.type === 'space') {
      out.push({ text: p.text, kind: 'plain' });
      continue;
    }
    if (p.type === 'string') {
      out.push({ text: p.text, kind: 'string' });
      ref = null;
      continue;
    }
    const w = p.text;
    const index = words++;
    if (BREAKS.includes(w)) {
      out.push({ text: w, kind: 'plain' });
      ref = null;
      jump = false;
      continue;
    }
    if (jump) {
      out.push({ text: w, kind: 'jump' });
      jump = false;
    } else if (ref === 'family' || ref === 'table') {
      // `[family] table`: an optional family, then the table name.
      const isFamily = ref === 'family' && FAMILIES.has(w);
      out.push({ text: w, kind: 'table' });
      if (!isFamily) ref = command && out.some((t) => t.kind === 'keyword' && OBJECTS.has(t.text)) ? 'chain' : null;
      else ref = 'table';
    } else if (ref === 'chain') {
      out.push({ text: w, kind: 'chain' });
      ref = null;
    } else if (index === 0 && COMMANDS.has(w)) {
      out.push({ text: w, kind: 'keyword' });
      command = true;
    } else if (w === 'jump' || w === 'goto') {
      out.push({ text: w, kind: 'keyword' });
      jump = true;
    } else if (w === 'table' && (index === 0 || (command && index === 1))) {
      out.push({ text: w, kind: 'keyword' });
      ref = 'family';
    } else if (OBJECTS.has(w) && command && index === 1) {
      // `add chain ip kube-proxy NAME`, `add rule ip kube-proxy NAME ...`, `add element ip kube-proxy SET { ... }`
      out.push({ text: w, kind: 'keyword' });
      ref = 'family';
    } else if ((w === 'chain' || w === 'map' || w === 'set') && index === 0) {
      // Declaration inside a table block: `chain NAME {`. (`set` elsewhere is a statement: `meta mark set 0x4000`.)
      out.push({ text: w, kind: 'keyword' });
      ref = 'chain';
    } else if (VERDICTS.has(w)) {
      out.push({ text: w, kind: 'verdict' });
    } else if (KEYWORDS.has(w)) {
      out.push({ text: w, kind: 'keyword' });
    } else if (w.charCodeAt(0) === 64 /* @ */) {
      out.push({ text: w, kind: 'chain' });
    } else {
      out.push({ text: w, kind: wordKind(w) });
    }
  }
  return mergeTokens(out);
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Token } from '../../../renderer/src/rules/token';
import type { RuleSyntax } from '../../../renderer/src/rules/tokenize';
import { tokenizeLine } from '../../../renderer/src/rules/tokenize';

// The rules viewer's syntax colouring: lossless over real dumps and hostile text, and the
// tokens that matter (jump targets, chains, comments) found where they are.

// Every corpus dump, as text (Vite's import.meta.glob: the renderer tests have no Node APIs).
const CORPUS: Record<string, string> = import.meta.glob<string>(['../../fixtures/corpus/*/*', '!**/README*'], { query: '?raw', import: 'default', eager: true });
const SYNTAXES: RuleSyntax[] = ['iptables', 'nft', 'nft-json', 'ipvsadm', 'ipset', 'conntrack', 'text'];

function corpusLines(dir: string, syntax: RuleSyntax): [string, RuleSyntax, string][] {
  const out: [string, RuleSyntax, string][] = [];
  for (const [path, text] of Object.entries(CORPUS)) {
    if (!path.includes(`/corpus/${dir}/`)) continue;
    for (const line of text.split('\n')) out.push([path.slice(path.lastIndexOf('/') + 1), syntax, line]);
  }
  return out;
}

const joined = (tokens: Token[]): string => tokens.map((t) => t.text).join('');
const kinds = (syntax: RuleSyntax, line: string): Record<string, string[]> => {
  const out: Record<string, string[]> = {};
  for (const t of tokenizeLine(syntax, line)) (out[t.kind] ??= []).push(t.text);
  return out;
};

const HOSTILE = [
  '-A KUBE-SVC-X -m comment --comment "<img src=x onerror=alert(1)>" -j KUBE-SEP-Y',
  '-A KUBE-SVC-X -m comment --comment "ns/\u202eevil\u202c <script>alert(1)</script>" -j DROP',
  '-A KUBE-SVC-X -m comment --comment "unterminated \\" quote',
  '    comment "javascript:alert(1)" jump x\u0000\u001b[31m',
  '\u200b\ufeff\u2066 ipvs \t\t',
];

describe('tokenizeLine', () => {
  const lines = [
    ...corpusLines('iptables', 'iptables'),
    ...corpusLines('nftables', 'nft'),
    ...corpusLines('ipvs', 'ipvsadm'),
    ...corpusLines('ipset', 'ipset'),
    ...corpusLines('conntrack', 'conntrack'),
  ];

  it('reads a corpus big enough to mean something', () => {
    expect(lines.length).toBeGreaterThan(1000);
  });

  it('gives back every corpus line exactly when its tokens are joined', () => {
    const bad = lines.filter(([, syntax, line]) => joined(tokenizeLine(syntax, line)) !== line);
    expect(bad).toEqual([]);
  });

  it.each(SYNTAXES.flatMap((s) => HOSTILE.map((h) => [s, h] as const)))('keeps hostile text as it is (%s: %j)', (syntax, line) => {
    expect(joined(tokenizeLine(syntax, line))).toBe(line);
  });

  it('is lossless for any text in every syntax', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SYNTAXES), fc.string({ unit: 'binary', maxLength: 200 }), (syntax, line) => {
        expect(joined(tokenizeLine(syntax, line))).toBe(line);
      }),
      { numRuns: 2000 },
    );
  });

  it('is lossless for rule-like text built from dump vocabulary', () => {
    const word = fc.constantFrom('-A', '-j', '-g', '!', '"', '\\"', '{', '}', ',', ';', 'jump', 'goto', 'chain', 'add', 'rule', 'ip', 'table', ':', '*nat', 'KUBE-SVC-X', '10.0.0.1/32', 'comment', '=', '[0:0]', ' ', '\t');
    fc.assert(
      fc.property(fc.constantFrom(...SYNTAXES), fc.array(word, { maxLength: 30 }), (syntax, words) => {
        const line = words.join('');
        expect(joined(tokenizeLine(syntax, line))).toBe(line);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives an empty line no tokens', () => {
    expect(tokenizeLine('iptables', '')).toEqual([]);
  });

  const cases: { name: string; syntax: RuleSyntax; line: string; expect: Record<string, string[]> }[] = [
    {
      name: 'an iptables table header',
      syntax: 'iptables',
      line: '*nat',
      expect: { table: ['*nat'] },
    },
    {
      name: 'an iptables chain declaration',
      syntax: 'iptables',
      line: ':KUBE-SVC-NPX46M4PTMTKRN6Y - [0:0]',
      expect: { chain: ['KUBE-SVC-NPX46M4PTMTKRN6Y'], counter: ['[0:0]'] },
    },
    {
      name: 'an iptables rule with a comment and a chain jump',
      syntax: 'iptables',
      line: '-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y',
      expect: {
        chain: ['KUBE-SERVICES'],
        jump: ['KUBE-SVC-NPX46M4PTMTKRN6Y'],
        string: ['"default/kubernetes:https cluster IP"'],
        address: ['10.96.0.1/32'],
      },
    },
    {
      name: 'an iptables goto and a built-in target',
      syntax: 'iptables',
      line: '[12:720] -A KUBE-EXT-X -g KUBE-SVC-Y',
      expect: { counter: ['[12:720]'], jump: ['KUBE-SVC-Y'] },
    },
    {
      name: 'an iptables DNAT',
      syntax: 'iptables',
      line: '-A KUBE-SEP-X -p tcp -m tcp -j DNAT --to-destination 10.244.1.5:8080',
      expect: { verdict: ['DNAT'], address: ['10.244.1.5:8080'] },
    },
    {
      name: 'a hostile comment that stays one string token',
      syntax: 'iptables',
      line: '-A X -m comment --comment "<img src=x onerror=alert(1)> -j Y" -j Z',
      expect: { string: ['"<img src=x onerror=alert(1)> -j Y"'], jump: ['Z'] },
    },
    {
      name: 'an iptables-save comment line',
      syntax: 'iptables',
      line: '# Generated by iptables-save v1.8.9 (nf_tables) on Fri Sep 12 14:05:31 2025',
      expect: { comment: ['# Generated by iptables-save v1.8.9 (nf_tables) on Fri Sep 12 14:05:31 2025'] },
    },
    {
      name: 'an nft verdict map element with a goto',
      syntax: 'nft',
      line: '    elements = { 10.43.0.10 . tcp . 53 : goto service-NWBZK7IH-kube-system/kube-dns/tcp/dns-tcp,',
      expect: { jump: ['service-NWBZK7IH-kube-system/kube-dns/tcp/dns-tcp'], address: ['10.43.0.10'] },
    },
    {
      name: 'an nft chain declaration in a table block',
      syntax: 'nft',
      line: '        chain nat-prerouting {',
      expect: { chain: ['nat-prerouting'] },
    },
    {
      name: 'an nft transaction rule naming its chain',
      syntax: 'nft',
      line: 'add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips',
      expect: { table: ['ip', 'kube-proxy'], chain: ['services', '@service-ips'] },
    },
    {
      name: 'an nft jump and a quoted comment',
      syntax: 'nft',
      line: '    meta mark set 0x4000 jump mark-for-masquerade comment "a \\" b"',
      expect: { jump: ['mark-for-masquerade'], string: ['"a \\" b"'], number: ['0x4000'] },
    },
    {
      name: 'an IPVS virtual service',
      syntax: 'ipvsadm',
      line: 'TCP  10.96.0.1:443 rr',
      expect: { chain: ['TCP'], address: ['10.96.0.1:443'] },
    },
    {
      name: 'an IPVS real server',
      syntax: 'ipvsadm',
      line: '  -> 10.244.1.3:80                Masq    1      0          0',
      expect: { flag: ['->'], address: ['10.244.1.3:80'], verdict: ['Masq'] },
    },
    {
      name: 'an ipset header',
      syntax: 'ipset',
      line: 'Name: KUBE-CLUSTER-IP',
      expect: { keyword: ['Name:'], chain: ['KUBE-CLUSTER-IP'] },
    },
    {
      name: 'an ipset save line',
      syntax: 'ipset',
      line: 'add KUBE-CLUSTER-IP 10.96.0.1,tcp:443',
      expect: { keyword: ['add'], chain: ['KUBE-CLUSTER-IP'], address: ['10.96.0.1'] },
    },
    {
      name: 'a conntrack flow',
      syntax: 'conntrack',
      line: 'tcp      6 118 TIME_WAIT src=172.16.1.152 dst=10.32.0.251 sport=43400 [ASSURED] mark=0 use=1',
      expect: { verdict: ['TIME_WAIT'], flag: ['[ASSURED]'] },
    },
  ];

  it.each(cases)('colours $name', ({ syntax, line, expect: want }) => {
    const got = kinds(syntax, line);
    for (const [kind, texts] of Object.entries(want)) for (const t of texts) expect(got[kind] ?? []).toContain(t);
  });

  it('finds a jump target on every kube-proxy jump of an iptables corpus dump', () => {
    const text = CORPUS['../../fixtures/corpus/iptables/k8s-test-overall-restore-input.rules'];
    const jumps = text.split('\n').filter((l: string) => / -j KUBE-/.test(l));
    expect(jumps.length).toBeGreaterThan(10);
    for (const l of jumps) expect(kinds('iptables', l).jump?.[0]).toMatch(/^KUBE-/);
  });
});

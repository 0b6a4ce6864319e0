import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { internWord } from '../../../../core/common/parse/iptablesIntern';
import { parseIptablesSave } from '../../../../core/common/parse/iptablesSave';
import type { ParseIptablesOptions } from '../../../../core/common/parse/iptablesSave';

// The fast path for canonical `-A` and `:CHAIN - [0:0]` lines (iptablesFastAppend.ts) must give
// exactly what the general path gives, line numbers, raw text and malformed reports included.

const CORPUS = join(__dirname, '../../../fixtures/corpus/iptables');
const corpusFiles = readdirSync(CORPUS).filter((f) => f !== 'README.md');
const corpusLines = corpusFiles.flatMap((f) => readFileSync(join(CORPUS, f), 'utf8').split('\n'));

function expectSameAsGeneral(text: string, options?: ParseIptablesOptions): void {
  const general = parseIptablesSave(text, { ...options, fastPath: false });
  const fast = parseIptablesSave(text, { ...options, fastPath: true });
  expect(fast).toStrictEqual(general);
}

const kubeProxyLines = [
  ':KUBE-SEP-222GLKTUNA4J2SVJ - [0:0]',
  '-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y',
  '-A KUBE-SVC-NPX46M4PTMTKRN6Y ! -s 100.64.0.0/10 -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-MARK-MASQ',
  '-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https -> 10.0.0.1:6443" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-222GLKTUNA4J2SVJ',
  '-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https -> 10.0.0.2:6443" -j KUBE-SEP-222GLKTUNA4J2SVJ',
  '-A KUBE-SEP-222GLKTUNA4J2SVJ -s 10.0.0.1/32 -m comment --comment "default/kubernetes:https" -j KUBE-MARK-MASQ',
  '-A KUBE-SEP-222GLKTUNA4J2SVJ -p tcp -m comment --comment "default/kubernetes:https" -m tcp -j DNAT --to-destination 10.0.0.1:6443',
  '-A KUBE-SEP-222GLKTUNA4J2SVJ -p tcp -m tcp -j DNAT --to-destination 10.0.0.1:6443 --random',
  '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
  '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
  '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
  '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
  '-A KUBE-EXT-X -m comment --comment "masquerade traffic" -j KUBE-MARK-MASQ',
  '-A KUBE-SEP-X -m recent --set --name KUBE-SEP-X --mask 255.255.255.255 --rsource -j DNAT --to-destination 10.0.0.1:80',
  '-A KUBE-SVC-X -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-X --mask 255.255.255.255 --rsource -j KUBE-SEP-X',
  '-A X -i eth0 -o cni0 -p udp -m udp --dport 53 -g KUBE-SEP-X',
  '-A X -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT',
  '-A X -j LOG --log-prefix "drop: "',
  '-A X',
  // Per-endpoint comments (` -> `) bypass the caches: a following bad match, odd modules, repeats.
  '-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https -> 10.0.0.1:6443" -m tcp --dport',
  '-A KUBE-SVC-NPX46M4PTMTKRN6Y -m commenx --comment "a -> b" -j KUBE-SEP-222GLKTUNA4J2SVJ',
  '-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "a -> b" --comment "c -> d" -j KUBE-SEP-222GLKTUNA4J2SVJ',
  '-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment ! --comment "a -> b" -j KUBE-SEP-222GLKTUNA4J2SVJ',
  '-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment a->b -m statistic --mode random --probability 0.50000000000 -j KUBE-SVC-NPX46M4PTMTKRN6Y',
  '-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --log-prefix "a -> b" -j KUBE-SEP-222GLKTUNA4J2SVJ',
  '-A KUBE-SVC-NPX46M4PTMTKRN6Y -m tcp --dport 80 -m comment --comment "a -> b" -j KUBE-SEP-222GLKTUNA4J2SVJ',
  // Hash-named targets are sliced, other targets cached: the same text either way.
  '-A KUBE-SVC-NPX46M4PTMTKRN6Y -j KUBE-XYZ-222GLKTUNA4J2SVJ',
  '-A KUBE-SVC-NPX46M4PTMTKRN6Y -j KUBE-SEP-222GLKTUNA4J2SVJX',
  '-A KUBE-SVC-NPX46M4PTMTKRN6Y -j XUBE-SEP-222GLKTUNA4J2SVJ',
];

// Words that stress the corners: generic flags in all places, `!`, quotes, free-text options,
// options that need a value, stray values, long forms, counters, targets with options.
const word = fc.constantFrom(
  '-s', '-d', '-p', '-i', '-o', '!', '-m', '-j', '-g', '-c', '--source', '--match', '--jump', '--goto', '--protocol',
  'comment', '--comment', 'tcp', '--dport', '80', 'statistic', '--mode', 'random', '--probability', '0.5', 'DNAT',
  '--to-destination', '10.0.0.1:80', '10.0.0.1/32', 'KUBE-MARK-MASQ', 'KUBE-SEP-X', 'X', '"a b"', '""', '"-j"', 'a"b',
  '"a\\"b"', '-', '--x-flag', 'mark', '--mark', '0x4000/0x4000', '--log-prefix', 'LOG', 'set', '--match-set', 'dst,dst',
  '[0:0]', '--set-xmark', 'MARK', '\t', '',
);
const chainWord = fc.constantFrom('X', 'Y', 'KUBE-SEP-X', '"X"', 'UNDECLARED', '-x');
const ruleLine = fc.oneof(
  fc.tuple(chainWord, fc.array(word, { maxLength: 14 }), fc.constantFrom(' ', '  ')).map(([c, ws, sep]) => ['-A', c, ...ws].join(sep)),
  fc.constantFrom(...kubeProxyLines),
  fc.constantFrom(...corpusLines),
);
const declaration = fc.oneof(
  fc.constantFrom(':X - [0:0]', ':Y - [0:0]', ':KUBE-SEP-X - [0:0]', ':X ACCEPT [0:0]', ':X - [1:2]', ':"X" - [0:0]', ':X  - [0:0]', ':X - [0:0] ', ':X\t- [0:0]', ': - [0:0]'),
  fc.constantFrom(...corpusLines.filter((l) => l.startsWith(':'))),
);
const line = fc.oneof(ruleLine, ruleLine, declaration, fc.constantFrom('*nat', '*filter', 'COMMIT', '-X Y', '-F X', '-N Z', ''));

describe('the fast path of parseIptablesSave', () => {
  it.each(corpusFiles)('gives what the general path gives on corpus file %s', (file) => {
    const text = readFileSync(join(CORPUS, file), 'utf8');
    expectSameAsGeneral(text);
    expectSameAsGeneral(text, { defaultTable: 'nat' });
  });

  it('gives what the general path gives on kube-proxy shaped lines', () => {
    expectSameAsGeneral(['*nat', ':KUBE-SEP-222GLKTUNA4J2SVJ - [0:0]', ':KUBE-SVC-NPX46M4PTMTKRN6Y - [0:0]', ...kubeProxyLines, 'COMMIT', ''].join('\n'));
  });

  it.each([true, false])('gives every rule the first comment of its matches, from the cache too (fast path %s)', (fastPath) => {
    const text = ['*nat', ':KUBE-SEP-222GLKTUNA4J2SVJ - [0:0]', ':KUBE-SVC-NPX46M4PTMTKRN6Y - [0:0]', ...kubeProxyLines, ...kubeProxyLines, 'COMMIT', ''].join('\n');
    const rules = [...parseIptablesSave(text, { fastPath }).tables.get('nat')!.chains.values()].flatMap((c) => c.rules);
    expect(rules.length).toBeGreaterThan(kubeProxyLines.length);
    for (const r of rules) {
      const first = r.matches.filter((m) => m.module === 'comment').flatMap((m) => m.options).find((o) => o.name === '--comment');
      expect(r.comment).toBe(first?.values[0]);
    }
  });

  it('gives what the general path gives on generated soups of lines', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), fc.constantFrom('\n', '\r\n'), fc.option(fc.constantFrom('nat', 'filter')), (lines, eol, defaultTable) => {
        expectSameAsGeneral(['*nat', ':X - [0:0]', ':Y - [0:0]', ...lines].join(eol), defaultTable === null ? undefined : { defaultTable });
      }),
      { numRuns: 1000 },
    );
  });

  it('shares one object for repeated match lists and keeps per-rule values apart', () => {
    const dump = parseIptablesSave(['*nat', ':A - [0:0]', ':B - [0:0]', '-A A -s 10.0.0.1/32 -m comment --comment "ns/s:p" -j KUBE-MARK-MASQ', '-A B -s 10.0.0.2/32 -m comment --comment "ns/s:p" -j KUBE-MARK-MASQ', 'COMMIT'].join('\n'));
    const nat = dump.tables.get('nat');
    const [a] = nat?.chains.get('A')?.rules ?? [];
    const [b] = nat?.chains.get('B')?.rules ?? [];
    expect(a.matches).toBe(b.matches);
    expect(a.comment).toBe('ns/s:p');
    expect([a.source?.value, b.source?.value]).toEqual(['10.0.0.1/32', '10.0.0.2/32']);
    expect(a.raw).toBe('-A A -s 10.0.0.1/32 -m comment --comment "ns/s:p" -j KUBE-MARK-MASQ');
  });
});

describe('internWord', () => {
  it.each([
    { text: 'x comment y', s: 2, e: 9, want: 'comment' },
    { text: '--to-destination', s: 0, e: 16, want: '--to-destination' },
    { text: '-j KUBE-MARK-MASQ', s: 3, e: 17, want: 'KUBE-MARK-MASQ' },
    { text: 'commenx', s: 0, e: 7, want: 'commenx' },
    { text: 'xomment', s: 0, e: 7, want: 'xomment' },
    { text: 'KUBE-SEP-ABC', s: 0, e: 12, want: 'KUBE-SEP-ABC' },
    { text: 'a', s: 0, e: 1, want: 'a' },
  ])('returns $want for $text[$s, $e)', ({ text, s, e, want }) => {
    expect(internWord(text, s, e)).toBe(want);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newRuleTokens, tokenizeRule, tokenizeRuleInto, wordAt } from '../../../../core/common/parse/iptablesTokenize';

describe('tokenizeRule', () => {
  it.each([
    { name: 'splits plain words on spaces', line: '-A KUBE-SERVICES -j ACCEPT', tokens: ['-A', 'KUBE-SERVICES', '-j', 'ACCEPT'], quoted: [false, false, false, false] },
    {
      name: 'keeps a quoted comment as one word without its quotes',
      line: '-m comment --comment "ns1/svc1:p80 cluster IP" -j X',
      tokens: ['-m', 'comment', '--comment', 'ns1/svc1:p80 cluster IP', '-j', 'X'],
      quoted: [false, false, false, true, false, false],
    },
    { name: 'unescapes \\" and \\\\ inside quotes', line: '--comment "a \\"b\\" c\\\\d"', tokens: ['--comment', 'a "b" c\\d'], quoted: [false, true] },
    { name: "unescapes \\' the way iptables-save escapes it", line: `--comment "it\\'s"`, tokens: ['--comment', "it's"], quoted: [false, true] },
    { name: 'joins quoted and bare parts of one word like iptables-restore', line: 'ab"c d"e f', tokens: ['abc de', 'f'], quoted: [true, false] },
    { name: 'keeps an empty quoted word', line: '--comment "" -j X', tokens: ['--comment', '', '-j', 'X'], quoted: [false, true, false, false] },
    { name: 'treats runs of spaces and tabs as one separator', line: '  -A\tX   -j \t ACCEPT  ', tokens: ['-A', 'X', '-j', 'ACCEPT'], quoted: [false, false, false, false] },
    { name: 'makes ! a word of its own', line: '-m mark ! --mark 0x4000/0x4000', tokens: ['-m', 'mark', '!', '--mark', '0x4000/0x4000'], quoted: [false, false, false, false, false] },
    { name: 'treats a quoted ! as a value, not a negation', line: '--comment "!"', tokens: ['--comment', '!'], quoted: [false, true] },
    { name: 'keeps a backslash outside quotes literally', line: 'a\\b c', tokens: ['a\\b', 'c'], quoted: [false, false] },
    { name: 'returns no words for a blank line', line: '   ', tokens: [], quoted: [] },
  ])('$name', ({ line, tokens, quoted }) => {
    const out = tokenizeRule(line);
    expect(out.tokens).toEqual(tokens);
    expect(out.quoted).toEqual(quoted);
    expect(out.error).toBeUndefined();
  });

  it.each([
    { name: 'a line cut inside a comment', line: '-A KUBE-SERVICES -m comment --comment "default/kub', last: 'default/kub' },
    { name: 'a quote closed by an escaped quote only', line: '--comment "abc\\"', last: 'abc"' },
    { name: 'a trailing backslash inside quotes', line: '--comment "abc\\', last: 'abc\\' },
  ])('reports an unterminated quote for $name', ({ line, last }) => {
    const out = tokenizeRule(line);
    expect(out.error).toMatch(/unterminated/);
    expect(out.tokens[out.tokens.length - 1]).toBe(last);
  });

  it('records where each word is in the text, quotes included', () => {
    const text = 'x\n-A C -m comment --comment "a b" -j D\n';
    const tk = tokenizeRuleInto(text, 2, text.length - 1, newRuleTokens());
    const spans = Array.from({ length: tk.count }, (_, i) => text.slice(tk.starts[i], tk.ends[i]));
    expect(spans).toEqual(['-A', 'C', '-m', 'comment', '--comment', '"a b"', '-j', 'D']);
    expect(wordAt(tk, 5)).toBe('a b');
  });
});

// Words of one line, read through the reusable hot-path state.
function wordsOf(tk: ReturnType<typeof newRuleTokens>) {
  return { tokens: Array.from({ length: tk.count }, (_, i) => wordAt(tk, i)), quoted: tk.quoted.slice(0, tk.count).map((q) => q !== 0), error: tk.error };
}

describe('tokenizeRuleInto over a whole text', () => {
  const piece = fc.constantFrom('-A', 'X', '"a b"', '"', '\\', '\\"', '!', '\t', ' ', '  ', '-m', 'comment', '"q\\"x"', 'ab"c d"e', '--dport', '80', '""');
  const line = fc.array(piece, { maxLength: 12 }).map((p) => p.join(''));

  it('gives every line the same words as tokenising that line alone', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), (lines) => {
        const text = lines.join('\n');
        const tk = newRuleTokens();
        let pos = 0;
        for (const l of lines) {
          tokenizeRuleInto(text, pos, pos + l.length, tk);
          expect(wordsOf(tk)).toEqual(tokenizeRule(l));
          pos += l.length + 1;
        }
      }),
      { numRuns: 300 },
    );
  });
});

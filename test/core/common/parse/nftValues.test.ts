import { describe, expect, it } from 'vitest';
import type { NftFamily } from '../../../../core/common/model/nft';
import { parseNftDump } from '../../../../core/common/parse/nftDump';
import { handleComment, newNftTokens, tokenizeNftLine, tokenText } from '../../../../core/common/parse/nftTokenize';
import { nftNatTarget, nftPriority, nftTime, unquote } from '../../../../core/common/parse/nftValues';

describe('nftPriority', () => {
  const cases: { text: string; family?: NftFamily; want: number | undefined }[] = [
    { text: 'filter', want: 0 },
    { text: 'dstnat', want: -100 },
    { text: 'srcnat', want: 100 },
    { text: 'mangle', want: -150 },
    { text: 'raw', want: -300 },
    { text: 'security', want: 50 },
    { text: 'dstnat - 10', want: -110 },
    { text: 'dstnat + 10', want: -90 },
    { text: 'srcnat-5', want: 95 },
    { text: '-110', want: -110 },
    { text: '0', want: 0 },
    { text: '+20', want: 20 },
    { text: 'filter', family: 'bridge', want: -200 },
    { text: 'out', family: 'bridge', want: 100 },
    { text: 'out', family: 'ip', want: undefined },
    { text: 'nonsense', want: undefined },
    { text: 'dstnat - x', want: undefined },
    { text: 'constructor', want: undefined },
    { text: '', want: undefined },
  ];
  it.each(cases)('reads priority "$text" ($family) as $want', ({ text, family, want }) => {
    expect(nftPriority(text, family)).toBe(want);
  });
});

describe('nftTime', () => {
  const cases: { text: string; want: number | undefined }[] = [
    { text: '10800s', want: 10800 },
    { text: '3h', want: 10800 },
    { text: '1d2h', want: 93600 },
    { text: '2h59m57s384ms', want: 10797.384 },
    { text: '500ms', want: 0.5 },
    { text: '10800', want: 10800 },
    { text: '3x', want: undefined },
    { text: 'h', want: undefined },
    { text: '', want: undefined },
  ];
  it.each(cases)('reads time "$text" as $want seconds', ({ text, want }) => {
    expect(nftTime(text)).toBe(want);
  });
});

describe('nftNatTarget', () => {
  const cases = [
    { to: '10.180.0.1:80', addr: '10.180.0.1', port: 80 },
    { to: '[fd00:10:180::1]:80', addr: 'fd00:10:180::1', port: 80 },
    { to: '[fd00::1]', addr: 'fd00::1', port: undefined },
    { to: 'fd00:10:180::1', addr: 'fd00:10:180::1', port: undefined },
    { to: '10.0.0.1', addr: '10.0.0.1', port: undefined },
    { to: ':1162', addr: undefined, port: 1162 },
    { to: '10.0.0.1-10.0.0.5:80-90', addr: '10.0.0.1-10.0.0.5', port: undefined },
  ];
  it.each(cases)('splits NAT target $to into address and port', ({ to, addr, port }) => {
    const nat = nftNatTarget(to);
    expect(nat.to).toBe(to);
    expect(nat.addr).toBe(addr);
    expect(nat.port).toBe(port);
  });
});

describe('unquote', () => {
  it.each([
    { tok: '"ns6/svc6:p80"', want: 'ns6/svc6:p80' },
    { tok: '"say \\"hi\\""', want: 'say "hi"' },
    { tok: 'plain', want: 'plain' },
    { tok: '"', want: '"' },
  ])('unquotes $tok', ({ tok, want }) => {
    expect(unquote(tok)).toBe(want);
  });
});

describe('tokenizeNftLine', () => {
  const tokens = (line: string): { tok: string[]; hash: number; openQuote: boolean } => {
    const t = newNftTokens(true);
    const hash = tokenizeNftLine(line, 0, line.length, 1, t);
    return { tok: t.tok.slice(0, t.count), hash, openQuote: t.openQuote };
  };

  it.each([
    { line: '\t\ttype nat hook prerouting priority dstnat; policy accept;', want: ['type', 'nat', 'hook', 'prerouting', 'priority', 'dstnat', ';', 'policy', 'accept', ';'] },
    { line: 'elements = { 10.43.0.1, 10.43.0.10,', want: ['elements', '=', '{', '10.43.0.1', ',', '10.43.0.10', ','] },
    { line: '172.30.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain', want: ['172.30.0.46', '.', 'tcp', '.', '80', 'comment', '"ns6/svc6:p80"', ':', 'goto', 'reject-chain'] },
    { line: 'meta l4proto tcp dnat to [fd00:10:180::1]:80', want: ['meta', 'l4proto', 'tcp', 'dnat', 'to', '[fd00:10:180::1]:80'] },
    { line: 'flags dynamic,timeout ;', want: ['flags', 'dynamic', ',', 'timeout', ';'] },
    { line: 'comment "a # not a comment" # handle 7', want: ['comment', '"a # not a comment"'] },
  ])('splits "$line" into nft tokens', ({ line, want }) => {
    expect(tokens(line).tok).toEqual(want);
  });

  it('reports where a trailing comment starts and reads `# handle N` from it', () => {
    const line = 'ip saddr 10.0.0.1 jump x # handle 59';
    const { hash } = tokens(line);
    expect(line.slice(hash)).toBe('# handle 59');
    expect(handleComment(line, hash, line.length)).toBe(59);
    expect(handleComment('# handles 5', 0, 11)).toBeUndefined();
    expect(handleComment('# handle', 0, 8)).toBeUndefined();
    expect(handleComment('# handle 5 extra', 0, 16)).toBeUndefined();
  });

  it('flags a string that is not closed on its line', () => {
    expect(tokens('comment "unterminated').openQuote).toBe(true);
    expect(tokens('comment "fine"').openQuote).toBe(false);
  });

  it('hands out the same string object for a repeated keyword (interned)', () => {
    const src = 'jump mark-for-masquerade\njump mark-for-masquerade';
    const t = newNftTokens(true);
    tokenizeNftLine(src, 0, 24, 1, t);
    tokenizeNftLine(src, 25, src.length, 2, t);
    expect(t.tok.slice(0, t.count)).toEqual(['jump', 'mark-for-masquerade', 'jump', 'mark-for-masquerade']);
    expect(t.line.slice(0, t.count)).toEqual([1, 1, 2, 2]);
  });

  it.each([
    { line: 'numgen random mod 2 vmap { 0 : goto a , 1 : goto b }', want: 'numgen random mod 2 vmap { 0 : goto a, 1 : goto b }' },
    { line: 'ip daddr 10.96.0.1  tcp dport 443', want: 'ip daddr 10.96.0.1 tcp dport 443' },
    { line: 'ct state established,related accept', want: 'ct state established, related accept' },
    { line: 'ip daddr 1.2.3.4 drop', want: 'ip daddr 1.2.3.4 drop' },
  ])('normalises the text of "$line"', ({ line, want }) => {
    const t = newNftTokens(true);
    tokenizeNftLine(line, 0, line.length, 1, t);
    expect(tokenText(line, t, 0, t.count)).toBe(want);
  });
});

describe('parseNftDump', () => {
  it.each([
    { name: 'nft -j output', text: ' \n{"nftables": [{"metainfo": {"version": "1.0.6"}}, {"table": {"family": "ip", "name": "kube-proxy"}}]}', syntax: 'json' },
    { name: 'nft list output', text: 'table ip kube-proxy {\n}\n', syntax: 'list' },
    { name: 'a kube-proxy transaction', text: 'add table ip kube-proxy\n', syntax: 'transaction' },
    { name: 'nothing', text: '', syntax: 'empty' },
  ])('picks the parser for $name', ({ text, syntax }) => {
    const rs = parseNftDump(text);
    expect(rs.syntax).toBe(syntax);
    expect(rs.malformed).toEqual([]);
  });
});

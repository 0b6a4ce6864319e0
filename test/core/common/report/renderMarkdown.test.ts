import { describe, expect, it } from 'vitest';
import { mdCode, mdCodeBlock, mdParagraph, mdText } from '../../../../core/common/report/markdownEscape';
import { renderMarkdown } from '../../../../core/common/report/renderMarkdown';
import { finding, HOSTILE, hostileResult, sampleResult } from './sampleResult';

/** Markdown outside fenced blocks and code spans: where markup would be interpreted. */
function interpretedText(md: string): string[] {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of md.split('\n')) {
    const m = /^(`{3,})/.exec(line);
    if (fence === null && m) fence = m[1];
    else if (fence !== null && line === fence) fence = null;
    else if (fence === null) out.push(stripCodeSpans(line));
  }
  return out;
}

/** CommonMark order: a backslash escapes the next character, a backtick run opens a span closed by an equal run. */
function stripCodeSpans(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === '\\') {
      out += line.slice(i, i + 2);
      i += 2;
    } else if (c === '`') {
      let j = i;
      while (line[j] === '`') j++;
      const run = line.slice(i, j);
      const close = line.indexOf(run, j);
      if (close < 0 || line[close + run.length] === '`') {
        out += run;
        i = j;
      } else i = close + run.length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

describe('renderMarkdown', () => {
  it('has a summary table with one row per severity and a total', () => {
    const md = renderMarkdown(sampleResult([finding('critical'), finding('critical'), finding('low')]));
    expect(md).toContain('| Critical | 2 |');
    expect(md).toContain('| High | 0 |');
    expect(md).toContain('| Low | 1 |');
    expect(md).toContain('| **Total** | **3** |');
  });

  it('lists the sections in order: summary, limitations, nodes, findings', () => {
    const md = renderMarkdown(sampleResult());
    const headings = interpretedText(md).filter((l) => /^#{1,3} /.test(l));
    expect(headings).toEqual(['# Proxyscope report: snap.tar.gz', '## Summary', '## Limitations', '## Nodes', '## Findings', '### Critical (1)', '### Info (1)']);
  });

  it('groups findings by severity, most severe first, numbered across groups', () => {
    const md = renderMarkdown(sampleResult([finding('low', { title: 'L' }), finding('high', { title: 'H' }), finding('low', { title: 'L2' })]));
    const titles = md.split('\n').filter((l) => l.startsWith('#### '));
    expect(titles).toEqual(['#### 1. H', '#### 2. L', '#### 3. L2']);
  });

  it('quotes evidence with file:line in a code block', () => {
    const md = renderMarkdown(sampleResult([finding('high')]));
    expect(md).toContain('```text\n# nodes/node-a/iptables-save.txt:42\n-A KUBE-SEP-ABCDEFGHIJKLMNOP');
  });

  it('says so when there are no findings', () => {
    expect(renderMarkdown(sampleResult([]))).toContain('No findings.');
  });

  it('lets no hostile string form HTML, headings or lists', () => {
    const md = renderMarkdown(hostileResult());
    for (const line of interpretedText(md)) {
      expect(line).not.toMatch(/(^|[^\\])</);
      expect(line).not.toMatch(/^\s*(- |\+ |\d+\. )?<|^#{1,6} #/);
    }
    expect(md).not.toMatch(/[\u001b\u202a-\u202e\u2066-\u2069\u200b]/);
  });

  it('keeps every node table row at eight cells whatever the names contain', () => {
    const md = renderMarkdown(hostileResult());
    const lines = md.split('\n');
    const start = lines.indexOf('## Nodes') + 2;
    for (const row of lines.slice(start, start + 2 + HOSTILE.length)) {
      expect(row.replace(/\\\|/g, '').split('|').length - 2).toBe(8);
    }
  });
});

describe('markdown escaping', () => {
  const spans: [string, string, string][] = [
    ['plain text in one backtick pair', 'a/b', '`a/b`'],
    ['text with a backtick in a double fence', 'a`b', '``a`b``'],
    ['text starting with a backtick padded with spaces', '`a', '`` `a ``'],
  ];
  it.each(spans)('a code span holds %s', (_n, input, expected) => {
    expect(mdCode(input)).toBe(expected);
  });

  it('escapes pipes in table code spans', () => {
    expect(mdCode('a|b', true)).toBe('`a\\|b`');
  });

  it('uses a fence longer than any backtick run inside a code block', () => {
    expect(mdCodeBlock(['x ```` y'])).toBe('`````text\nx ```` y\n`````');
  });

  it('escapes inline syntax and HTML in text', () => {
    expect(mdText('<b>*x*</b> [l](u) _y_ a|b')).toBe('\\<b\\>\\*x\\*\\</b\\> \\[l\\](u) \\_y\\_ a\\|b');
  });

  it('escapes block syntax at the start of message lines', () => {
    expect(mdParagraph('- a\n1. b\n+ c')).toBe('\\- a\n1\\. b\n\\+ c');
  });
});

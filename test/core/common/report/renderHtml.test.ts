import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../../../core/common/report/htmlEscape';
import { renderHtml } from '../../../../core/common/report/renderHtml';
import { finding, HOSTILE, hostileResult, sampleResult } from './sampleResult';

const CSP = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`;

/** Every tag in the document with its attributes (the style element's body is skipped). */
function tags(html: string): { name: string; attrs: [string, string][] }[] {
  const body = html.replace(/<style>[\s\S]*?<\/style>/, '<style></style>');
  const out: { name: string; attrs: [string, string][] }[] = [];
  for (const m of body.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)) {
    const attrs: [string, string][] = [];
    const rest = m[2].replace(/([a-zA-Z-]+)="([^"]*)"/g, (_s, k: string, v: string) => {
      attrs.push([k.toLowerCase(), v]);
      return '';
    });
    // Anything left over would be an unquoted or broken attribute.
    expect(rest.trim(), `leftover attribute text in <${m[1]}${m[2]}>`).toBe('');
    out.push({ name: m[1].toLowerCase(), attrs });
  }
  return out;
}

const ALLOWED_TAGS = new Set([
  '!doctype', 'html', 'head', 'meta', 'title', 'style', 'body', 'header', 'h1', 'h2', 'h3', 'h4', 'dl', 'dt', 'dd', 'ul', 'ol', 'li',
  'b', 'code', 'section', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'span', 'br', 'a', 'article', 'p', 'div', 'pre', 'footer',
]);
const ALLOWED_ATTRS: Record<string, RegExp> = {
  lang: /^en$/,
  charset: /^utf-8$/,
  'http-equiv': /^Content-Security-Policy$/,
  name: /^(referrer|viewport)$/,
  content: /^(default-src 'none'; style-src 'unsafe-inline'; img-src data:|no-referrer|width=device-width, initial-scale=1)$/,
  class: /^[a-z0-9 -]+$/,
  id: /^(f\d+|sev-[a-z]+|limitations|nodes|findings)$/,
  href: /^#f\d+$/,
};

function assertOnlySafeMarkup(html: string): void {
  for (const t of tags(html)) {
    expect(ALLOWED_TAGS.has(t.name), `unexpected tag <${t.name}>`).toBe(true);
    for (const [k, v] of t.attrs) {
      expect(ALLOWED_ATTRS[k], `unexpected attribute ${k} on <${t.name}>`).toBeDefined();
      expect(v).toMatch(ALLOWED_ATTRS[k]);
    }
  }
}

describe('renderHtml', () => {
  it('declares a strict CSP right after the charset, before any content', () => {
    const html = renderHtml(sampleResult());
    const head = html.slice(0, html.indexOf('<title>'));
    expect(head).toContain(`<meta charset="utf-8">\n${CSP}`);
  });

  it('contains no script and makes no external request', () => {
    const html = renderHtml(hostileResult());
    expect(html).not.toMatch(/<script/i);
    const urls = tags(html).flatMap((t) => t.attrs.filter(([k]) => ['src', 'href', 'action', 'srcset', 'poster', 'data'].includes(k)));
    expect(urls.every(([, v]) => v.startsWith('#'))).toBe(true);
    const css = html.slice(html.indexOf('<style>'), html.indexOf('</style>'));
    expect(css).not.toMatch(/url\(|@import/i);
  });

  it('turns every hostile string into text: only the report own tags and attributes exist', () => {
    assertOnlySafeMarkup(renderHtml(hostileResult()));
  });

  it.each(HOSTILE.map((h) => [JSON.stringify(h).slice(0, 40), h]))('escapes %s as the title of a finding', (_n, payload) => {
    const html = renderHtml(sampleResult([finding('high', { title: payload, message: payload, service: payload, node: payload })]));
    assertOnlySafeMarkup(html);
    expect(html).toContain(escapeHtml(payload));
  });

  it('makes bidi overrides, zero-width and control characters visible instead of emitting them', () => {
    const html = renderHtml(hostileResult());
    expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/);
    expect(html).toContain('<span class="cc">U+202E</span>');
    expect(html).toContain('<span class="cc">U+001B</span>');
  });

  it('escapes quotes so text can never leave an attribute', () => {
    expect(escapeHtml(`"'<>&`)).toBe('&quot;&#39;&lt;&gt;&amp;');
  });

  it('wraps very long names instead of overflowing the page', () => {
    const html = renderHtml(sampleResult());
    expect(html).toMatch(/body\{[^}]*overflow-wrap:anywhere/);
    expect(html).toMatch(/pre\{[^}]*white-space:pre-wrap/);
  });

  it('has the sections of an incident attachment in order', () => {
    const html = renderHtml(sampleResult([finding('critical'), finding('medium'), finding('medium')]));
    const headings = [...html.matchAll(/<h([12])>([^<]*)<\/h\1>/g)].map((m) => `h${m[1]} ${m[2]}`);
    expect(headings).toEqual(['h1 Proxyscope report', 'h2 Limitations', 'h2 Nodes', 'h2 Findings', 'h2 Critical (1)', 'h2 Medium (2)']);
  });

  it('shows snapshot, source, time and counts in the header', () => {
    const html = renderHtml(sampleResult([finding('critical'), finding('low')]));
    const header = html.slice(html.indexOf('<header>'), html.indexOf('</header>'));
    expect(header).toContain('<dt>Snapshot</dt><dd><code>snap.tar.gz</code></dd>');
    expect(header).toContain('<dt>Generated</dt><dd>2025-01-02T03:04:05.000Z</dd>');
    expect(header).toContain('<dt>Cluster objects</dt><dd>12 Services, 13 EndpointSlices, 30 Pods, 2 Nodes</dd>');
    expect(header).toContain('<li class="c-critical"><b>1</b>Critical</li>');
    expect(header).toContain('<li class="c-low"><b>1</b>Low</li>');
  });

  it('renders one article per finding with message, next steps and evidence file:line + raw', () => {
    const html = renderHtml(sampleResult([finding('high')]));
    expect(html.match(/<article /g)).toHaveLength(1);
    const article = html.slice(html.indexOf('<article'), html.indexOf('</article>'));
    expect(article).toContain('<dt>Service</dt><dd><code>shop/web:http/tcp</code></dd>');
    expect(article).toContain('<p>kube-proxy on node-a still sends traffic');
    expect(article).toContain('<h4>Next steps</h4>\n<ol>\n<li>Check kube-proxy logs');
    expect(article).toContain('<div class="loc mono">nodes/node-a/iptables-save.txt:42</div><pre>-A KUBE-SEP-ABCDEFGHIJKLMNOP -p tcp -m comment --comment &quot;shop/web:http&quot;');
  });

  it('lists every node with its status, mode and counts', () => {
    const html = renderHtml(sampleResult());
    expect(html).toContain('<tr><td><code>node-a</code></td><td><span class="status-analyzed">analyzed</span></td><td>iptables <span class="muted">(nf_tables)</span></td><td class="num">120</td>');
    expect(html).toContain('<span class="status-no-dump">no-dump</span>');
  });

  it('says so when there are no findings', () => {
    expect(renderHtml(sampleResult([]))).toContain('<p class="muted">No findings.</p>');
  });
});

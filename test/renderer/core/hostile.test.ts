// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import type { Component } from 'vue';
import FindingsView from '../../../renderer/src/views/FindingsView.vue';
import ServicesView from '../../../renderer/src/views/ServicesView.vue';
import ServiceDetailView from '../../../renderer/src/views/ServiceDetailView.vue';
import CompareView from '../../../renderer/src/views/CompareView.vue';
import { fakeAnalysis, fakeBackend, fakeFinding, fakeServiceDetail, fakeServiceRow } from '../../helpers/fakeApi';
import { HOSTILE, harness, inertReport, loadSession, mountAt } from './mountWith';
import type { Harness } from './mountWith';

// Everything from a snapshot is text: markup stays visible characters, javascript: never becomes
// a link, bidi overrides and escapes are shown as <U+XXXX>, and 10k-character names are clipped.

const names = [HOSTILE.img, HOSTILE.js, HOSTILE.bidi, HOSTILE.esc, HOSTILE.long];
const rows = names.map((name, i) => fakeServiceRow({ namespace: `ns${i}`, name, clusterIPs: [HOSTILE.img], ports: [HOSTILE.js], findings: 1, worst: 'high' }));
const findings = rows.map((r, i) =>
  fakeFinding({
    service: r.key,
    node: names[i],
    pod: HOSTILE.bidi,
    endpoint: HOSTILE.js,
    title: `${names[i]} title`,
    message: `${HOSTILE.img}\n${HOSTILE.esc}`,
    nextSteps: [HOSTILE.js, HOSTILE.img],
    evidence: [{ node: names[i], file: `nodes/${names[i]}/iptables-save.txt`, line: 3, raw: `-A X -m comment --comment "${HOSTILE.img} ${HOSTILE.bidi}"` }],
  }),
);
const detail = (key: string) => {
  const row = rows.find((r) => r.key === key);
  if (!row) return null;
  const d = fakeServiceDetail(row);
  const n = d.ports[0].nodes[0];
  n.node = row.name;
  n.notes = [HOSTILE.img];
  n.paths[0].rows.push(fakeBackend({ endpoint: HOSTILE.js, pod: HOSTILE.img, podNode: HOSTILE.bidi, chain: HOSTILE.esc, mark: 'STALE' }));
  d.findings = findings.filter((f) => f.service === key);
  return d;
};

describe('hostile strings stay inert text', () => {
  let h: Harness;
  let w: VueWrapper | undefined;
  afterEach(() => {
    w?.unmount();
    h.uninstall();
  });

  async function open(view: Component, path: string, props: Record<string, unknown> = {}): Promise<VueWrapper> {
    h = harness({ services: rows, analysis: fakeAnalysis(findings), detail });
    await loadSession(h);
    w = await mountAt(h, view, path, props);
    return w;
  }

  function expectInert(w: VueWrapper): string {
    const r = inertReport(w.element);
    expect(r).toEqual({ imgs: 0, scripts: 0, jsHrefs: [], onAttrs: [] });
    const text = w.element.textContent ?? '';
    expect(text).not.toMatch(/[\u202e\u001b]/);
    return text;
  }

  it('in the Findings list and every finding detail', async () => {
    const w = await open(FindingsView, '/findings');
    const list = w.findAll('[data-testid="finding-row"]');
    expect(list).toHaveLength(names.length);
    expect(expectInert(w)).toContain(HOSTILE.img);
    for (const row of list) {
      await row.trigger('click');
      const text = expectInert(w);
      expect(text).toContain('evil<U+202E>gnp.exe');
      expect(text).toContain('term<U+001B>[31mred');
    }
  });

  it('in the Services list, with long names clipped visually', async () => {
    const w = await open(ServicesView, '/services');
    const text = expectInert(w);
    expect(text).toContain(HOSTILE.js);
    expect(text).toContain('evil<U+202E>gnp.exe');
    const long = w.get(`[data-key="ns4/${HOSTILE.long}"] .c-name`);
    expect(long.classes()).toContain('ps-clamp');
    expect(long.attributes('title')).toBe(HOSTILE.long);
  });

  it.each(names.map((n, i) => [i, n.slice(0, 30)] as const))('in the Service detail of name %i (%s…)', async (i) => {
    const w = await open(ServiceDetailView, '/services/x/y', { namespace: `ns${i}`, name: names[i] });
    expect(w.findAll('[data-testid="backend-row"]').length).toBeGreaterThan(0);
    const text = expectInert(w);
    expect(text).toContain(HOSTILE.img);
    for (const a of w.findAll('a')) expect(a.attributes('href') ?? '').not.toMatch(/^\s*javascript:/i);
  });

  it('in the Compare view', async () => {
    const w = await open(CompareView, `/compare?service=${encodeURIComponent(rows[0].key)}`);
    expect(w.find('[data-testid="compare-result"]').exists()).toBe(true);
    expectInert(w);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseClusterJson } from '../../../../core/common/kube/clusterState';
import { ep, node, pod, slice, svc } from './kubeFixtures';

const service = svc('ns', 's');
const eps = slice('ns', 's', 's-1', [ep('10.0.0.1')]);
const p1 = pod('ns', 'p1', ['10.0.0.1']);
const n1 = node('n1', 'z1');
const counts = (text: string) => {
  const { state } = parseClusterJson(text);
  return [state.services.length, state.endpointSlices.length, state.pods.length, state.nodes.length];
};
const strip = <T extends { kind?: string }>(o: T) => {
  const copy: Partial<T> = { ...o };
  delete copy.kind;
  return copy;
};

describe('parseClusterJson accepts the shapes kubectl and the API print', () => {
  it.each([
    { name: 'a v1 List of mixed kinds', json: { apiVersion: 'v1', kind: 'List', items: [service, eps, p1, n1] }, want: [1, 1, 1, 1] },
    { name: 'a typed ServiceList whose items omit kind', json: { kind: 'ServiceList', items: [strip(service), strip(service)] }, want: [2, 0, 0, 0] },
    { name: 'an EndpointSliceList', json: { kind: 'EndpointSliceList', apiVersion: 'discovery.k8s.io/v1', items: [strip(eps)] }, want: [0, 1, 0, 0] },
    { name: 'a PodList and a NodeList in one array', json: [{ kind: 'PodList', items: [strip(p1)] }, { kind: 'NodeList', items: [strip(n1)] }], want: [0, 0, 1, 1] },
    { name: 'a single Service', json: service, want: [1, 0, 0, 0] },
    { name: 'a bare array of objects', json: [service, n1], want: [1, 0, 0, 1] },
    { name: 'an object in ClusterState shape', json: { services: [service], endpointSlices: [eps], pods: [p1], nodes: [n1] }, want: [1, 1, 1, 1] },
    { name: 'a List without kind but with items', json: { items: [service] }, want: [1, 0, 0, 0] },
    { name: 'an empty List', json: { kind: 'List', items: [] }, want: [0, 0, 0, 0] },
  ])('$name', ({ json, want }) => {
    expect(counts(JSON.stringify(json))).toEqual(want);
    expect(parseClusterJson(JSON.stringify(json)).problems).toEqual([]);
  });

  it('fills the kind of items read from a typed list', () => {
    const { state } = parseClusterJson(JSON.stringify({ kind: 'ServiceList', items: [strip(service)] }));
    expect(state.services[0].kind).toBe('Service');
  });

  it('gives a Service without spec an empty spec', () => {
    const { state } = parseClusterJson(JSON.stringify({ kind: 'Service', metadata: { name: 'x', namespace: 'ns' } }));
    expect(state.services[0].spec).toEqual({});
  });
});

describe('parseClusterJson reports instead of throwing', () => {
  it.each([
    { name: 'empty text', text: '' },
    { name: 'truncated JSON', text: '{"kind":"List","items":[{"kind":"Service"' },
    { name: 'trailing garbage', text: '{"kind":"List","items":[]}\n}' },
    { name: 'YAML instead of JSON', text: 'apiVersion: v1\nkind: List\n' },
  ])('invalid JSON ($name) gives an empty state and one clear problem', ({ text }) => {
    const { state, problems } = parseClusterJson(text);
    expect(state).toEqual({ services: [], endpointSlices: [], pods: [], nodes: [] });
    expect(problems).toHaveLength(1);
    expect(problems[0].reason).toMatch(/^cluster\.json is not valid JSON: /);
  });

  it.each([
    { name: 'an unexpected token (quoted context)', text: '{\n  "kind": "List",\n  "items": [,]\n}', line: 3, raw: '"items": [,]' },
    { name: 'a missing comma (position)', text: '{\n  "kind": "List"\n  "items": []\n}', line: 3, raw: '"items": []' },
    { name: 'trailing text (position)', text: '{"kind":"List","items":[]}\n}', line: 2, raw: '}' },
    { name: 'a short text', text: '{"a":\n\n\n   x}', line: 4, raw: 'x}' },
    { name: 'a truncated file (end of input)', text: '{\n  "kind": "List",\n  "items": [\n', line: 3, raw: '"items": [' },
  ])('points at the line of $name', ({ text, line, raw }) => {
    const { problems } = parseClusterJson(text);
    expect(problems[0].line).toBe(line);
    expect(problems[0].raw).toContain(raw);
  });

  it('counts items of other kinds as info, once per kind', () => {
    const { state, problems } = parseClusterJson(
      JSON.stringify({ kind: 'List', items: [service, { kind: 'ConfigMap', metadata: { name: 'a' } }, { kind: 'ConfigMap', metadata: { name: 'b' } }, { kind: 'Endpoints', metadata: { name: 's' } }] }),
    );
    expect(state.services).toHaveLength(1);
    expect(problems.map((p) => p.reason)).toEqual([
      'info: ignored 2 items of kind ConfigMap (Proxyscope reads Service, EndpointSlice, Pod, Node)',
      'info: ignored 1 item of kind Endpoints (Proxyscope reads Service, EndpointSlice, Pod, Node)',
    ]);
  });

  it.each([
    { name: 'an item without metadata', item: { kind: 'Service', spec: {} }, reason: 'Service without metadata.name ignored' },
    { name: 'an item that is a number', item: 42, reason: 'item is not an object; ignored' },
    { name: 'a null item', item: null, reason: 'item is not an object; ignored' },
  ])('skips $name with a problem', ({ item, reason }) => {
    const { state, problems } = parseClusterJson(JSON.stringify({ kind: 'List', items: [item, service] }));
    expect(state.services).toHaveLength(1);
    expect(problems.map((p) => p.reason)).toEqual([reason]);
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ kind: 'List', items: [v] }))), (text) => {
        const r = parseClusterJson(text);
        expect(Array.isArray(r.state.services)).toBe(true);
        expect(Array.isArray(r.problems)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('handles deeply nested arrays without recursion', () => {
    const text = '['.repeat(5000) + JSON.stringify(service) + ']'.repeat(5000);
    expect(counts(text)).toEqual([1, 0, 0, 0]);
  });
});

describe('parseClusterJson on a large List', () => {
  it('keeps document order and object identity of items (no copies)', () => {
    const items = Array.from({ length: 2000 }, (_, i) => svc('ns', `s${i}`));
    const { state } = parseClusterJson(JSON.stringify({ kind: 'List', items }));
    expect(state.services.map((s) => s.metadata.name)).toEqual(items.map((s) => s.metadata.name));
  });
});

// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, isHttpUrl, onApiEvent, openExternalLink } from '../../../renderer/api';
import { installFakeBridge, makeFakeApi } from '../../helpers/fakeApi';

function setToken(token: string): void {
  document.head.querySelector('meta[name="proxyscope-token"]')?.remove();
  const meta = document.createElement('meta');
  meta.setAttribute('name', 'proxyscope-token');
  meta.setAttribute('content', token);
  document.head.appendChild(meta);
}

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('renderer api transport', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    delete (globalThis as { proxyscope?: unknown }).proxyscope;
  });

  it('uses the preload bridge when window.proxyscope exists and never fetches', async () => {
    const fake = makeFakeApi();
    const { uninstall } = installFakeBridge(fake.api);
    const fetchSpy = vi.fn();
    vi.stubGlobal('fetch', fetchSpy);
    const r = await api.services({ sessionId: 's1' });
    uninstall();
    expect(r.ok && r.value.length).toBe(3);
    expect(fake.callsTo('services')).toEqual([{ sessionId: 's1' }]);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('turns a throwing bridge into a failed result', async () => {
    (globalThis as { proxyscope?: unknown }).proxyscope = { runtime: 'electron', invoke: () => Promise.reject(new Error('ipc gone')), onEvent: () => () => {} };
    const r = await api.appInfo();
    expect(r).toEqual({ ok: false, error: { code: 'failed', message: 'ipc gone' } });
  });

  describe('over HTTP', () => {
    let fetchSpy: ReturnType<typeof vi.fn>;
    beforeEach(() => {
      setToken('tok-123');
      fetchSpy = vi.fn(async () => jsonResponse({ ok: true, value: [] }));
      vi.stubGlobal('fetch', fetchSpy);
    });

    it.each([
      { name: 'a method with an argument sends it as JSON', call: () => api.services({ sessionId: 's9' }), method: 'services', body: '{"sessionId":"s9"}' },
      { name: 'a method without an argument sends an empty body', call: () => api.appInfo(), method: 'appInfo', body: '' },
      { name: 'openDemo sends an empty body too', call: () => api.openDemo(), method: 'openDemo', body: '' },
    ])('$name, with the token header', async ({ call, method, body }) => {
      await call();
      expect(fetchSpy).toHaveBeenCalledTimes(1);
      const [url, init] = fetchSpy.mock.calls[0] as [string, RequestInit];
      expect(url).toBe(`/api/${method}`);
      expect(init.method).toBe('POST');
      expect((init.headers as Record<string, string>)['x-proxyscope-token']).toBe('tok-123');
      expect((init.headers as Record<string, string>)['content-type']).toBe('application/json');
      expect(init.body).toBe(body);
    });

    it.each([
      { name: 'a network error', impl: async () => Promise.reject(new TypeError('Failed to fetch')), code: 'failed' },
      { name: 'a 401 without a JSON body', impl: async () => new Response('nope', { status: 401 }), code: 'forbidden' },
      { name: 'a 403 without a JSON body', impl: async () => new Response('', { status: 403 }), code: 'forbidden' },
      { name: 'a 500 with HTML', impl: async () => new Response('<html>', { status: 500 }), code: 'failed' },
    ])('reports $name as a failed result instead of throwing', async ({ impl, code }) => {
      fetchSpy.mockImplementation(impl);
      const r = await api.appInfo();
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe(code);
    });

    it('passes the server result through, errors included', async () => {
      fetchSpy.mockImplementation(async () => jsonResponse({ ok: false, error: { code: 'bad-request', message: 'sessionId: required' } }, 400));
      expect(await api.services({ sessionId: '' })).toEqual({ ok: false, error: { code: 'bad-request', message: 'sessionId: required' } });
    });
  });

  describe('events', () => {
    it('subscribes through the bridge in Electron', () => {
      const fake = makeFakeApi();
      const { bridge, uninstall } = installFakeBridge(fake.api);
      const seen: string[] = [];
      const off = onApiEvent((e) => seen.push(e.type));
      bridge.emit({ type: 'progress', jobId: 'j', phase: 'p', done: 1, total: 2 });
      off();
      bridge.emit({ type: 'progress', jobId: 'j', phase: 'p', done: 2, total: 2 });
      uninstall();
      expect(seen).toEqual(['progress']);
    });

    it('opens one WebSocket with the token in a browser and closes it with the last listener', () => {
      setToken('tok/+=');
      const sockets: { url: string; closed: boolean; onmessage?: (m: { data: string }) => void }[] = [];
      class FakeSocket {
        url: string;
        closed = false;
        onopen: (() => void) | null = null;
        onclose: (() => void) | null = null;
        onerror: (() => void) | null = null;
        onmessage: ((m: { data: string }) => void) | null = null;
        constructor(url: string) {
          this.url = url;
          sockets.push(this as never);
        }
        close() {
          this.closed = true;
        }
      }
      vi.stubGlobal('WebSocket', FakeSocket);
      const a: string[] = [];
      const b: string[] = [];
      const offA = onApiEvent((e) => a.push(e.type));
      const offB = onApiEvent((e) => b.push(e.type));
      expect(sockets).toHaveLength(1);
      expect(sockets[0].url).toMatch(/^ws:\/\/[^/]+\/api\/events\?token=tok%2F%2B%3D$/);
      sockets[0].onmessage?.({ data: JSON.stringify({ type: 'scan-done', scanId: 's', sessionId: null }) });
      sockets[0].onmessage?.({ data: 'not json' });
      expect(a).toEqual(['scan-done']);
      expect(b).toEqual(['scan-done']);
      offA();
      expect(sockets[0].closed).toBe(false);
      offB();
      expect(sockets[0].closed).toBe(true);
    });
  });

  describe('external links', () => {
    it.each([
      ['https://kubernetes.io/docs/', true],
      ['http://127.0.0.1:8080/x', true],
      ['javascript:alert(1)', false],
      ['JAVASCRIPT:alert(1)', false],
      ['file:///etc/passwd', false],
      ['data:text/html,<script>', false],
      ['not a url', false],
    ])('isHttpUrl(%s) is %s', (url, expected) => {
      expect(isHttpUrl(url)).toBe(expected);
    });

    it('refuses non-http links without asking', async () => {
      const confirm = vi.fn(() => true);
      const open = vi.fn(() => null);
      vi.stubGlobal('confirm', confirm);
      vi.stubGlobal('open', open);
      expect(await openExternalLink('javascript:alert(1)')).toBe(false);
      expect(confirm).not.toHaveBeenCalled();
      expect(open).not.toHaveBeenCalled();
    });

    it('asks, then opens a new tab without opener or referrer in a browser', async () => {
      const confirm = vi.fn().mockReturnValueOnce(false).mockReturnValueOnce(true);
      const open = vi.fn(() => null);
      vi.stubGlobal('confirm', confirm);
      vi.stubGlobal('open', open);
      expect(await openExternalLink('https://example.com/')).toBe(false);
      expect(open).not.toHaveBeenCalled();
      expect(await openExternalLink('https://example.com/')).toBe(true);
      expect(confirm).toHaveBeenCalledTimes(2);
      expect(open).toHaveBeenCalledWith('https://example.com/', '_blank', 'noopener,noreferrer');
    });

    it('leaves the confirmation to the main process in Electron', async () => {
      const fake = makeFakeApi();
      const { uninstall } = installFakeBridge(fake.api);
      const confirm = vi.fn(() => true);
      vi.stubGlobal('confirm', confirm);
      expect(await openExternalLink('https://example.com/')).toBe(true);
      uninstall();
      expect(fake.callsTo('openExternal')).toEqual([{ url: 'https://example.com/' }]);
      expect(confirm).not.toHaveBeenCalled();
    });
  });
});

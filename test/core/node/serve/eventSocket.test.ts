import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe } from '../../../../core/node/serve/startServe';
import type { ServeHandle } from '../../../../core/node/serve/serveTypes';
import { fakeBackend, makeStaticDir, nextMessage, openSocket, type FakeBackend } from './serveKit';

// The event WebSocket (GET /api/events): browsers send cookies with WebSocket handshakes from any
// site and apply no CORS, so Host, Origin, cookie and ?token= are each required.

let fx: Awaited<ReturnType<typeof makeStaticDir>>;
let server: ServeHandle;
let backend: FakeBackend;

beforeAll(async () => {
  fx = await makeStaticDir();
  backend = fakeBackend();
  server = await startServe({ backend, staticDir: fx.staticDir, version: '1.0.0' });
});
afterAll(async () => {
  await server?.close();
  await fx?.cleanup();
});

interface Attempt {
  path: string;
  headers: Record<string, string | null>;
  origin?: string;
}
const good = (): Attempt => ({
  path: `/api/events?token=${server.token}`,
  headers: { host: `127.0.0.1:${server.port}`, cookie: `proxyscope_token=${server.token}` },
});
const withHeaders = (h: Record<string, string | null>): Attempt => ({ ...good(), headers: { ...good().headers, ...h } });

describe('the event socket refuses', () => {
  type Case = [string, number, () => Attempt];
  const cases: Case[] = [
    ['no cookie', 401, () => withHeaders({ cookie: null })],
    ['a wrong cookie', 401, () => withHeaders({ cookie: 'proxyscope_token=nope' })],
    ['no ?token=', 401, () => ({ ...good(), path: '/api/events' })],
    ['a wrong ?token=', 401, () => ({ ...good(), path: '/api/events?token=nope' })],
    ['the X-Proxyscope-Token header instead of ?token=', 401, () => ({ ...withHeaders({ 'x-proxyscope-token': server.token }), path: '/api/events' })],
    ['Host evil.example', 403, () => withHeaders({ host: `evil.example:${server.port}` })],
    ['Host 127.0.0.1.nip.io', 403, () => withHeaders({ host: `127.0.0.1.nip.io:${server.port}` })],
    ['no Host header', 403, () => withHeaders({ host: null })],
    ['Origin http://evil.example', 403, () => ({ ...good(), origin: 'http://evil.example' })],
    ['Origin null', 403, () => ({ ...good(), origin: 'null' })],
    ['an Origin on another port', 403, () => ({ ...good(), origin: `http://127.0.0.1:${server.port + 1}` })],
    ['another path', 404, () => ({ ...good(), path: `/api/other?token=${server.token}` })],
  ];

  it.each(cases)('%s (status %i)', async (_name, status, make) => {
    const a = make();
    const r = await openSocket(server.port, a.path, a.headers, a.origin);
    expect(r.kind === 'refused' ? r.status : 'opened').toBe(status);
  });
});

describe('the event socket', () => {
  it.each([['without an Origin', undefined], ['from our own Origin', 'own']])('delivers backend events %s', async (_name, origin) => {
    const a = good();
    const r = await openSocket(server.port, a.path, a.headers, origin ? `http://localhost:${server.port}` : undefined);
    if (r.kind !== 'open') throw new Error(`refused with ${r.status}`);
    const message = nextMessage(r.ws);
    const event = { type: 'progress', jobId: 'j1', phase: 'analyse', done: 1, total: 2 } as const;
    backend.emit(event);
    expect(await message).toEqual(event);
    r.ws.terminate();
  });

  it('delivers one event to every open page', async () => {
    const a = good();
    const sockets = await Promise.all([1, 2, 3].map(() => openSocket(server.port, a.path, a.headers)));
    const messages = sockets.map((s) => (s.kind === 'open' ? nextMessage(s.ws) : Promise.reject(new Error('refused'))));
    backend.emit({ type: 'scan-done', scanId: 'x', sessionId: null });
    expect(await Promise.all(messages)).toEqual(Array(3).fill({ type: 'scan-done', scanId: 'x', sessionId: null }));
    for (const s of sockets) if (s.kind === 'open') s.ws.terminate();
  });
});

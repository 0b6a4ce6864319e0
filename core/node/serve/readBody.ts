import type { IncomingMessage } from 'node:http';

// The request body of an API call, bounded. A declared Content-Length over the limit is refused
// before anything is read; a chunked body is counted as it arrives and dropped at the limit.

export const MiB = 1024 * 1024;
/** Every method but importSnapshot: the arguments are names and small objects. */
export const DEFAULT_BODY_LIMIT = 1 * MiB;
/** importSnapshot carries a .tar.gz as base64 (contractSchemas allows 360 MiB of it: one V8 string must hold the JSON body). */
export const IMPORT_BODY_LIMIT = 360 * MiB + 64 * 1024;

export function bodyLimit(method: string): number {
  return method === 'importSnapshot' ? IMPORT_BODY_LIMIT : DEFAULT_BODY_LIMIT;
}

export type BodyResult = { ok: true; arg: unknown } | { ok: false; status: 400 | 413; message: string };

export function readJsonBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.resolve({ ok: false, status: 413, message: 'request body too large' });
  }
  return new Promise((resolveBody) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyResult) => {
      if (done) return;
      done = true;
      resolveBody(r);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        // Node drains the rest once the 413 is sent (the connection is then closed).
        chunks.length = 0;
        finish({ ok: false, status: 413, message: 'request body too large' });
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => finish({ ok: false, status: 400, message: 'request body could not be read' }));
    req.on('end', () => finish(parseJson(Buffer.concat(chunks, size))));
  });
}

/** An empty body is "no argument" (renderer/api.ts sends none for methods without one). */
function parseJson(body: Buffer): BodyResult {
  if (body.length === 0) return { ok: true, arg: undefined };
  try {
    return { ok: true, arg: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return { ok: false, status: 400, message: 'request body is not JSON' };
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiResult } from '../../common/contract';
import { API_METHODS, fail } from '../../common/contract';
import { safeMessage } from '../app/apiGuard';
import { bodyLimit, readJsonBody } from './readBody';
import { singleHeader, TOKEN_HEADER, tokenMatches } from './requestGuard';
import { sendText } from './securityHeaders';

// POST /api/<method>: the JSON body is the argument, the answer is the ApiResult as JSON with
// status 200 (errors are values). Other statuses only when the request itself is refused:
// 401 no token header, 405 not POST, 404 no such method, 413 body too large, 400 not JSON.
// The caller has already checked Host, Origin and the cookie.

export type Dispatch = (method: string, arg: unknown) => Promise<ApiResult<unknown>>;

const METHODS: ReadonlySet<string> = new Set(API_METHODS);

export async function handleApi(req: IncomingMessage, res: ServerResponse, method: string, token: string, dispatch: Dispatch): Promise<void> {
  // The header is what a cross-site page cannot send (it would need a CORS preflight, which we
  // never grant); the cookie alone would be sent by the browser on the page's behalf.
  if (!tokenMatches(singleHeader(req.headers, TOKEN_HEADER), token)) return sendText(res, 401, 'missing or wrong X-Proxyscope-Token');
  if (req.method !== 'POST') return sendText(res, 405, 'use POST', { Allow: 'POST' });
  if (!METHODS.has(method)) return sendText(res, 404, 'no such method');
  const body = await readJsonBody(req, bodyLimit(method));
  if (!body.ok) return sendText(res, body.status, body.message, body.status === 413 ? { Connection: 'close' } : {});
  let result: ApiResult<unknown>;
  try {
    result = await dispatch(method, body.arg);
  } catch (err) {
    result = fail('failed', safeMessage(err));
  }
  sendJson(res, result);
}

function sendJson(res: ServerResponse, result: ApiResult<unknown>): void {
  let text: string;
  try {
    text = JSON.stringify(result);
  } catch {
    text = JSON.stringify(fail('failed', 'the result could not be encoded'));
  }
  const body = Buffer.from(text, 'utf8');
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}

import type { ApiResult } from '../../common/contract';
import { fail } from '../../common/contract';
import { errorText } from '../../common/analyze/prepareCluster';

// Backend methods return errors as values and never throw: anything unexpected becomes
// fail('failed'). Messages are capped, so an error quoting its input (JSON.parse does) cannot
// carry much of a file across.

const MAX_MESSAGE = 500;

export function safeMessage(err: unknown): string {
  const text = errorText(err).replace(/\s+/g, ' ').trim();
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text || 'unknown error';
}

export async function guard<T>(fn: () => Promise<ApiResult<T>> | ApiResult<T>): Promise<ApiResult<T>> {
  try {
    return await fn();
  } catch (err) {
    return fail('failed', safeMessage(err));
  }
}

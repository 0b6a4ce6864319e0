import type { Api, ApiResult } from '../../common/contract';
import { fail } from '../../common/contract';
import { validateApiArg } from '../../common/contractSchemas';
import { safeMessage } from './apiGuard';
import { CORE_METHODS } from './backendTypes';
import type { Backend, CoreMethod } from './backendTypes';

// The one entry point both transports (Electron IPC, `proxyscope serve` HTTP) call (issue 5,
// decision 2): the argument is schema-validated before anything sees it, engine methods go to
// the backend, runtime methods (appInfo, dialogs, PDF, terminals, openExternal) to `extra`, and
// whatever throws comes back as fail('failed').

const CORE = new Set<string>(CORE_METHODS);

type AnyMethod = (arg: unknown) => Promise<ApiResult<unknown>>;

export async function dispatchApi(backend: Backend, method: string, arg: unknown, extra: Partial<Api>): Promise<ApiResult<unknown>> {
  try {
    const checked = validateApiArg(method, arg);
    // An unknown method name is not echoed back: it came straight from the caller.
    if (!checked.ok) return fail('bad-request', checked.message === 'unknown method' ? 'unknown method' : `${method}: ${checked.message}`);
    if (CORE.has(method)) {
      const fn = backend[method as CoreMethod] as unknown as AnyMethod;
      return await fn.call(backend, checked.value);
    }
    // `method` is one of the Api's names here (validated above), never `constructor` and the like.
    const own = (extra as Record<string, unknown>)[method];
    if (typeof own !== 'function') return fail('unsupported', `${method} is not available in this runtime`);
    return await (own as AnyMethod).call(extra, checked.value);
  } catch (err) {
    return fail('failed', safeMessage(err));
  }
}

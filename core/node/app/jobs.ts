import type { ApiEvent } from '../../common/contract';

// Events to the UI and the cancellable jobs (analyses, scans) behind `progress` / `scan-*`
// events, keyed by the job id the events carry; `cancel({id})` aborts one.

export interface EventHub {
  emit(e: ApiEvent): void;
  on(listener: (e: ApiEvent) => void): () => void;
  clear(): void;
}

export function createEventHub(): EventHub {
  const listeners = new Set<(e: ApiEvent) => void>();
  return {
    emit(e) {
      for (const l of [...listeners]) {
        try {
          l(e);
        } catch {
          // One broken listener (a closed window) must not stop the others or the job.
        }
      }
    },
    on(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    clear() {
      listeners.clear();
    },
  };
}

export interface Jobs {
  start(id: string): AbortSignal;
  end(id: string): void;
  /** false when no such job is running. */
  cancel(id: string): boolean;
  cancelAll(): void;
}

export function createJobs(): Jobs {
  const running = new Map<string, AbortController>();
  return {
    start(id) {
      const c = new AbortController();
      running.set(id, c);
      return c.signal;
    },
    end(id) {
      running.delete(id);
    },
    cancel(id) {
      const c = running.get(id);
      if (!c) return false;
      c.abort();
      return true;
    },
    cancelAll() {
      for (const c of running.values()) c.abort();
      running.clear();
    },
  };
}

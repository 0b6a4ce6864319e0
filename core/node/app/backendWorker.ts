import { parentPort, workerData } from 'node:worker_threads';
import { createBackend } from './backend';
import { hostBackend } from './backendHost';
import type { WorkerBackendData } from './workerProtocol';

// Worker-thread entry of createWorkerBackend (bundled to out/main/backendWorker.js for Electron
// and out/cli/backendWorker.cjs for `proxyscope serve`): the real backend, off the app's thread.
// analyzeSnapshotParallel inside it finds analyzeWorker.cjs next to this bundle or in ../cli.

const data = workerData as WorkerBackendData | null;
if (parentPort && data?.kind === 'proxyscope-backend') hostBackend(parentPort, createBackend(data.options));

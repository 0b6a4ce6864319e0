import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { prepareCluster, type PreparedCluster } from '../common/analyze/prepareCluster';
import { analyzeNodeSafe, toWire, type WorkerInit, type WorkerJob, type WorkerReply } from './analyzeNodeSafe';

// Worker-thread entry (bundled to out/cli/analyzeWorker.cjs): prepares the cluster once from its
// JSON text, then analyses the nodes the main thread sends, one message per node.

const port = parentPort;
if (port) {
  const init = workerData as WorkerInit;
  const clock = init.timings ? () => performance.now() : undefined;
  let cluster: PreparedCluster | null = null;
  let fatal: string | null = null;
  try {
    cluster = init.clusterJson !== undefined ? prepareCluster(init.clusterJson) : null;
  } catch (err) {
    fatal = err instanceof Error ? err.message : String(err);
  }
  const send = (reply: WorkerReply): void => port.postMessage(reply);
  if (fatal !== null) send({ type: 'fatal', message: fatal });
  else {
    port.on('message', (job: WorkerJob) => {
      send({ type: 'result', id: job.id, result: toWire(analyzeNodeSafe(job.node, cluster, clock)) });
    });
  }
}

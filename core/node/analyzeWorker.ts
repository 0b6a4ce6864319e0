import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { prepareCluster, type PreparedCluster } from '../common/analyze/prepareCluster';
import { analyzeNodeSafe, toWire, type WorkerInit, type WorkerJob, type WorkerReply } from './analyzeNodeSafe';
import { collectGarbage } from './collectGarbage';

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
  // The prepared cluster holds everything later nodes need; the text (this thread's own copy,
  // ~43 MB at 10k Services) can go.
  init.clusterJson = undefined;
  const send = (reply: WorkerReply): void => port.postMessage(reply);
  if (fatal !== null) send({ type: 'fatal', message: fatal });
  else {
    let analyzed = 0;
    port.on('message', (job: WorkerJob) => {
      send({ type: 'started', id: job.id });
      // The previous node's data is garbage now: collect it before this one piles up on it.
      if (analyzed++ > 0) collectGarbage();
      send({ type: 'result', id: job.id, result: toWire(analyzeNodeSafe(job.node, cluster, clock, init.deferClusterWide === true)) });
    });
  }
}

// A study worker process: trains the jobs its parent sends, one at a time, and sends each result back.
import { init } from '@tstar/core';
import { runJob, type Job, type JobDone } from './jobs.js';
import { loadTfjsWasm } from './tf.js';

await init();
await loadTfjsWasm();
process.on('message', (job: Job) => {
  runJob(job).then(
    (result) => process.send!({ id: job.id, result } satisfies JobDone),
    (error: unknown) => process.send!({ id: job.id, error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) } satisfies JobDone),
  );
});
process.on('disconnect', () => process.exit(0));

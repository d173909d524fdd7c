// A producer process: writes <count> jobs into the queue folder, waiting whenever
// the readers fall behind (maxAvailFiles), then closes so the last batch is available.
// Usage: node producer.ts <folder> <count>
import { FileQueueWriter } from '@conveyor/file';
import type { Job } from './handler.ts';

const [directory, count] = process.argv.slice(2) as [string, string];
const writer = new FileQueueWriter<Job>({ directory, maxRowsPerBatch: 500, maxAvailFiles: 20 });
for (let id = 0; id < Number(count); id++) {
  await writer.add({ id, text: `job ${id}: the quick brown fox jumps over the lazy dog` });
}
writer.close();
console.log(`producer ${process.pid}: wrote ${writer.rowsWritten} jobs in ${writer.batchesWritten} batch files`);

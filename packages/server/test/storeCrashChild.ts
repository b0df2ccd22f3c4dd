/**
 * Child process of fileStore.crash.test.ts: appends records to a fileStore as fast as it can, until it is
 * killed, and prints `<tag> <index>` on stdout only after that append resolved (i.e. was fsync'd).
 * Two resources, each with several appends in flight, so that kills land inside group-commit batches.
 * On Linux, writes to a pipe are synchronous: a printed ack has left this process before the next append.
 * A SIGKILL cannot tear one write(2), so this checks acks vs. durability and ordering; torn frames (power
 * loss) are covered by the truncation tests in fileStore.corruption.test.ts.
 *
 * Usage: node --import tsx storeCrashChild.ts <dir>
 */
import { fileStore } from '../src/store/fileStore';
import { sampleRecord } from '../src/store/testRecords';

/** Resource `/crash/<tag>` gets records sampleRecord(0, tag), sampleRecord(1, tag), ... in that order. */
const TAGS = ['a', 'b'];
const IN_FLIGHT = 8;

const dir = process.argv[2];
if (!dir) throw new Error('usage: storeCrashChild.ts <dir>');
// Never outlive a parent that failed to kill us.
setTimeout(() => process.exit(2), 10_000).unref();

const store = fileStore(dir);

async function writeForever(tag: string): Promise<never> {
  const inFlight = new Set<Promise<void>>();
  for (let next = 0; ; ) {
    while (inFlight.size < IN_FLIGHT) {
      const index = next++;
      const append: Promise<void> = store.append(`/crash/${tag}`, sampleRecord(index, tag)).then(() => {
        process.stdout.write(`${tag} ${index}\n`);
        inFlight.delete(append);
      });
      inFlight.add(append);
    }
    await Promise.race(inFlight);
  }
}

await Promise.all(TAGS.map(writeForever));

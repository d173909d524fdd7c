// Runs inside a poller thread: owns one source, answers the main thread's get and
// settle requests. Messages never leave this thread as objects: they go to the
// pool as JSON bytes, and come back as refs to clean up or release.
import { parentPort, workerData } from 'node:worker_threads';
import { ShutdownError } from '../errors/shutdown-error.js';
import { loadSourceModule } from '../sources/source-module.js';
import type { Source } from '../sources/source.js';
import { nextBulkId, refBulkId, refIndex } from './message-refs.js';
import type { EncodedBulk, FromPollerThread, PollerThreadData, ToPollerThread } from './poller-thread-protocol.js';
import { wireVerdict } from './wire-check.js';
import { fromWireError, toWireError } from './wire-error.js';
import { encodePayload } from './wire-format.js';

const data = workerData as PollerThreadData;
const port = parentPort!;
/**
 * Bulks handed out and not fully settled: their messages, which of them are
 * closed (settled, or forgotten), and how many are still open. Closing is per
 * message and once: main retries a settle with all of its refs when one thread
 * failed its part, so the others see refs they closed already.
 */
const openBulks = new Map<number, { messages: unknown[]; closed: Uint8Array; open: number }>();
const aborts = new Map<number, AbortController>();
let bulkId = 0;

const send = (message: FromPollerThread, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

let source: Source<unknown>;
try {
  source = await loadSourceModule({ module: data.module, export: data.export, options: data.options });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'loadError', error: toWireError(error) });
  process.exit(1);
}

port.on('message', (request: ToPollerThread) => {
  switch (request.type) {
    case 'get':
      void answerGet(request.requestId, request.maxMessages);
      break;
    case 'abort':
      aborts.get(request.requestId)?.abort();
      break;
    case 'settle':
      void answerSettle(request);
      break;
    case 'encode':
      answerEncode(request.requestId, request.refs);
      break;
    case 'forget':
      forgetRefs(request.refs);
      break;
    case 'close':
      void answerClose(request.requestId);
      break;
  }
});

async function answerGet(requestId: number, maxMessages: number): Promise<void> {
  const controller = new AbortController();
  aborts.set(requestId, controller);
  try {
    const messages: readonly unknown[] = await source.get(controller.signal, { maxMessages });
    if (!Array.isArray(messages)) throw new TypeError(`source.get() must resolve to an array of messages, got ${typeof messages}`);
    if (controller.signal.aborted && messages.length > 0) {
      // Main stopped waiting: give the messages back rather than strand them.
      await source.release?.(Array.from(messages as readonly unknown[]), new ShutdownError());
      send({ type: 'got', requestId, bulks: [] });
      return;
    }
    const { admitted, structured } = await admit(messages);
    const bulks: EncodedBulk[] = [];
    for (let start = 0; start < admitted.length; start += data.bulkSize) {
      const chunk = admitted.slice(start, start + data.bulkSize);
      bulkId = nextBulkId(bulkId);
      openBulks.set(bulkId, { messages: chunk, closed: new Uint8Array(chunk.length), open: chunk.length });
      const { bytes, format } = encodePayload(chunk, structured);
      bulks.push({ bulkId, count: chunk.length, payload: bytes, format });
    }
    send(
      { type: 'got', requestId, bulks },
      bulks.map((bulk) => bulk.payload.buffer as ArrayBuffer),
    );
  } catch (error) {
    send({ type: 'failed', requestId, error: toWireError(error) });
  } finally {
    aborts.delete(requestId);
  }
}

/**
 * The wire check, here where the messages are: one that cannot cross to a pool
 * thread unchanged is released (poison: dead-lettered at once where the source
 * can) and never sent; `structured` when some message needs more than JSON.
 */
async function admit(messages: readonly unknown[]): Promise<{ admitted: unknown[]; structured: boolean }> {
  if (source.plainJsonMessages === true) return { admitted: messages as unknown[], structured: false };
  const admitted: unknown[] = [];
  let structured = false;
  for (const message of messages) {
    const verdict = wireVerdict(message);
    if (verdict === 'json') admitted.push(message);
    else if (verdict === 'structured') {
      structured = true;
      admitted.push(message);
    } else await source.release?.([message], verdict);
  }
  return { admitted, structured };
}

async function answerSettle(request: Extract<ToPollerThread, { type: 'settle' }>): Promise<void> {
  try {
    // Refs closed before (settled by an earlier call that succeeded here), or of a thread that restarted since
    // (the source redelivers those), are not settled again.
    const messages = openMessages(request.refs);
    if (messages.length > 0) {
      if (request.kind === 'cleanup') await source.cleanup?.(messages);
      else await source.release?.(messages, request.error === undefined ? new Error('failed') : fromWireError(request.error));
    }
    // Only a successful call closes the messages: a failed one is retried by main with the same refs
    // (or, once main gives up, forgotten).
    closeRefs(request.refs);
    send({ type: 'done', requestId: request.requestId });
  } catch (error) {
    send({ type: 'failed', requestId: request.requestId, error: toWireError(error) });
  }
}

/** Main gave up settling these: the source is told (`Source.forget`), and the thread lets go of them. */
function forgetRefs(refs: readonly number[]): void {
  const messages = openMessages(refs);
  try {
    if (messages.length > 0) source.forget?.(messages);
  } catch {
    // Must not throw; a source that does still has its messages let go of here.
  }
  closeRefs(refs);
}

/** The messages of these refs that are still open here. */
function openMessages(refs: readonly number[]): unknown[] {
  const messages: unknown[] = [];
  for (const ref of refs) {
    const bulk = openBulks.get(refBulkId(ref));
    const index = refIndex(ref);
    if (bulk !== undefined && bulk.closed[index] === 0) messages.push(bulk.messages[index]);
  }
  return messages;
}

/** The messages of these refs are no longer held here, each closed once: a bulk goes once all of its messages have. */
function closeRefs(refs: readonly number[]): void {
  for (const ref of refs) {
    const id = refBulkId(ref);
    const bulk = openBulks.get(id);
    const index = refIndex(ref);
    if (bulk === undefined || bulk.closed[index] !== 0) continue;
    bulk.closed[index] = 1;
    if (--bulk.open === 0) openBulks.delete(id);
  }
}

/** Encodes held messages on their own, in the order asked (the bytes of their bulks went to the pool whole, once). */
function answerEncode(requestId: number, refs: readonly number[]): void {
  try {
    const messages: unknown[] = [];
    let structured = false;
    for (const ref of refs) {
      const bulk = openBulks.get(refBulkId(ref));
      const index = refIndex(ref);
      if (bulk === undefined || index >= bulk.messages.length || bulk.closed[index] !== 0)
        throw new Error(`message ref ${ref} is no longer held by poller thread ${data.poller}`);
      const message = bulk.messages[index];
      messages.push(message);
      // Admitted when received: json or structured, never rejected.
      structured ||= wireVerdict(message) === 'structured';
    }
    const { bytes, format } = encodePayload(messages, structured);
    send({ type: 'encoded', requestId, payload: bytes, format }, [bytes.buffer as ArrayBuffer]);
  } catch (error) {
    send({ type: 'failed', requestId, error: toWireError(error) });
  }
}

async function answerClose(requestId: number): Promise<void> {
  try {
    await source.close?.();
    send({ type: 'done', requestId });
  } catch (error) {
    send({ type: 'failed', requestId, error: toWireError(error) });
  }
}

// One 'exit' listener for every open writer, however many there are: on a normal
// exit (the event loop empties, or process.exit()) whatever was added becomes
// available before the process ends. A kill signal runs no listener.
const openWriters = new Set<() => void>();
let exitHooked = false;

/** Runs `close` when the process exits normally, until the returned function is called. */
export function closeOnExit(close: () => void): () => void {
  openWriters.add(close);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => {
      for (const closeWriter of [...openWriters]) closeWriter();
    });
  }
  return () => openWriters.delete(close);
}

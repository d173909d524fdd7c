#!/usr/bin/env node
// The Node.js version is checked before anything else is imported: on an older Node
// the imports themselves could fail with errors that say nothing about the cause.
const { minimumNode, supportsNode } = await import('@conveyor/core/kit');
if (!supportsNode(process.versions.node)) {
  console.error(
    `conveyor: needs Node.js ${minimumNode} or newer (the first that runs .ts handlers without flags); this is Node.js ${process.versions.node}`,
  );
  process.exit(2);
}
const { main } = await import('./main.js');

// Exit explicitly: a consumer module may leave clients open (a Redis connection) that would keep the process alive.
process.exit(await main(process.argv));

#!/usr/bin/env node
// The `lockstep` binary. The V8 heap is sized from the container's memory limit first (a
// re-exec with --max-old-space-size, heap-limit.ts), before the controller's modules load.

import { sizeHeapToMemoryLimit } from './heap-limit.ts';

try {
  sizeHeapToMemoryLimit();
} catch (err) {
  process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: (err as Error).message })}\n`);
  process.exit(1);
}
const { runController } = await import('./run-controller.ts');
runController().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: (err as Error).message })}\n`);
    process.exit(1);
  },
);

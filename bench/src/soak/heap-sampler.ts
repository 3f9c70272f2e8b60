// Loaded into the proxy to tell what its RSS is made of, when a soak FAILs on RSS:
//   BERTH_HEAP_SAMPLES=/tmp/heap.csv BERTH_BENCH_NODE_ARGS="--expose-gc --import=$PWD/bench/src/soak/heap-sampler.ts" ./dev pnpm soak …
// Every 10 s (after a full GC when --expose-gc is given, so only live memory counts) it appends the process's
// memoryUsage() in MiB: RSS well above heapTotal + arrayBuffers is native memory, live or kept by the allocator.
// Node 24 runs this file as it is (type stripping); nothing else imports it.
import { appendFileSync } from 'node:fs';

const file = process.env.BERTH_HEAP_SAMPLES;
if (file) {
  const started = Date.now();
  const mib = (bytes: number) => (bytes / 1024 ** 2).toFixed(1);
  appendFileSync(file, 't_s,rss_mib,heap_total_mib,heap_used_mib,external_mib,array_buffers_mib\n');
  setInterval(() => {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    const t = Math.round((Date.now() - started) / 1000);
    appendFileSync(file, `${t},${mib(m.rss)},${mib(m.heapTotal)},${mib(m.heapUsed)},${mib(m.external)},${mib(m.arrayBuffers)}\n`);
  }, 10_000).unref();
}

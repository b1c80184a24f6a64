import assert from "node:assert/strict";
import { lines } from "./watch_stream.ts";

function streamOf(
  chunks: string[],
  { keepOpen }: { keepOpen: boolean },
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      if (!keepOpen) controller.close();
    },
  });
}

Deno.test("lines() splits chunks into lines across chunk boundaries", async () => {
  const out: string[] = [];
  for await (
    const line of lines(streamOf(['{"a":1}\n{"b"', ":2}\n", '{"c":3}'], { keepOpen: false }))
  ) {
    out.push(line);
  }
  assert.deepEqual(out, ['{"a":1}', '{"b":2}', '{"c":3}']);
});

Deno.test("lines() ends when the signal aborts with buffered lines and an open stream", async () => {
  const many = Array.from({ length: 200 }, (_, i) => `{"n":${i}}\n`).join("");
  const controller = new AbortController();
  const out: string[] = [];
  for await (const line of lines(streamOf([many], { keepOpen: true }), controller.signal)) {
    out.push(line);
    if (out.length === 50) controller.abort();
  }
  assert.equal(out.length, 50);
});

Deno.test("lines() ends a pending read when the signal aborts", async () => {
  const controller = new AbortController();
  const iterate = (async () => {
    const out: string[] = [];
    for await (
      const line of lines(streamOf(['{"a":1}\n'], { keepOpen: true }), controller.signal)
    ) {
      out.push(line);
    }
    return out;
  })();
  setTimeout(() => controller.abort(), 20);
  assert.deepEqual(await iterate, ['{"a":1}']);
});

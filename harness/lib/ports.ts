/** Free loopback TCP ports. */

/**
 * Returns `count` distinct TCP ports that were free on 127.0.0.1 a moment ago (each found by
 * binding port 0 and closing). All listeners are held until every port is picked, so the
 * ports differ from each other.
 */
export function freeLoopbackPorts(count: number): number[] {
  const listeners: Deno.Listener[] = [];
  try {
    for (let i = 0; i < count; i++) {
      listeners.push(Deno.listen({ hostname: "127.0.0.1", port: 0 }));
    }
    return listeners.map((l) => (l.addr as Deno.NetAddr).port);
  } finally {
    for (const l of listeners) l.close();
  }
}

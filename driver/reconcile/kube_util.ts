/** Small Kubernetes helpers shared by the reconcilers. */
import type { Informer } from "../../lib/k8s/mod.ts";
import type { KubeObject } from "../../lib/types/mod.ts";
import type { ObjectSource } from "./controller.ts";

/** An informer seen as the controller's object source. */
export function informerSource<T extends KubeObject>(informer: Informer<T>): ObjectSource<T> {
  return {
    list: () => informer.list(),
    get: (name) => informer.get(name),
    subscribe: (listener) =>
      informer.addHandlers({
        onAdd: (o) => listener("add", o),
        onUpdate: (old, o) => listener("update", o, old),
        onDelete: (o) => listener("delete", o),
      }),
  };
}

/** Shares one in-flight run of `fn` between concurrent callers. */
export function coalesce<R>(fn: () => Promise<R>): () => Promise<R> {
  let running: Promise<R> | undefined;
  return () => {
    running ??= fn().finally(() => (running = undefined));
    return running;
  };
}

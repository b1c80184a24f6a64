/**
 * What a mount does to the directory tree, for FakeHost: mounting over a directory hides what
 * was in it until the unmount, and a device's files stay with the device (they show again at
 * its next mount, wherever that is). A bind target starts empty here: the fake cannot show the
 * source's files through it without a real bind mount.
 */
import { joinPath } from "./paths.ts";

/** Moves directory contents aside under `stash` while something is mounted over them. */
export class MountShadows {
  readonly #stash: string;
  /** The mounts this class covered, with the device whose files they show. */
  readonly #covered = new Map<number, string | undefined>();

  constructor(stash: string) {
    this.#stash = stash;
  }

  /** Hides the files under `target` (mount number `id`) and shows those of `device`, if any. */
  async cover(target: string, id: number, device?: string): Promise<void> {
    const info = await Deno.stat(target);
    await Deno.mkdir(joinPath(this.#stash, "hidden"), { recursive: true });
    await Deno.rename(target, this.#hidden(id));
    const saved = device === undefined ? undefined : this.#device(device);
    if (saved && await exists(saved)) await Deno.rename(saved, target);
    else if (info.isFile) {
      await Deno.writeFile(target, new Uint8Array(), { mode: info.mode ?? 0o644 });
    } else await Deno.mkdir(target, { mode: info.mode ?? 0o755 });
    this.#covered.set(id, device);
  }

  /**
   * Undoes `cover` of mount `id` (nothing for mounts it did not cover): the mounted files go
   * back to their device (or away), the hidden ones return.
   */
  async uncover(target: string, id: number): Promise<void> {
    if (!this.#covered.has(id)) return;
    const device = this.#covered.get(id);
    this.#covered.delete(id);
    if (device === undefined) await Deno.remove(target, { recursive: true });
    else {
      await Deno.mkdir(joinPath(this.#stash, "devices"), { recursive: true });
      await Deno.remove(this.#device(device), { recursive: true }).catch(() => {});
      await Deno.rename(target, this.#device(device));
    }
    await Deno.rename(this.#hidden(id), target);
  }

  /** The directory that holds `device`'s files while it is not mounted. */
  async deviceDir(device: string): Promise<string> {
    const dir = this.#device(device);
    await Deno.mkdir(dir, { recursive: true });
    return dir;
  }

  #hidden(id: number): string {
    return joinPath(this.#stash, "hidden", String(id));
  }

  #device(device: string): string {
    return joinPath(this.#stash, "devices", device.replace(/[^A-Za-z0-9]/g, "_"));
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

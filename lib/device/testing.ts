/** Test helpers: the superblock images in `testdata/` (real ones, made by each mkfs). */

/** The decompressed image `testdata/<name>.img.gz` (`xfs`, `ext4`, `gpt`, `luks2`...). */
export async function deviceImage(name: string): Promise<Uint8Array> {
  const gz = await Deno.readFile(new URL(`./testdata/${name}.img.gz`, import.meta.url));
  const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

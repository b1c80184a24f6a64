# The driver image, for machines with Docker. tools/image/build.sh builds the same image
# without Docker (and is what the tests run): Debian 12 with the packages of
# tools/image/packages.txt trimmed by tools/image/trim_rootfs.sh, the pinned Deno, the driver
# bundled with every npm dependency (tools/image/app.ts), entrypoint /usr/local/bin/directpv.
# Everything comes from the Debian and npm registries; nothing is fetched when a pod starts.
#
#   docker build -t ghcr.io/directpv/directpv:v4.2.0 .
FROM debian:12-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates npm bash \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN DENO=$(bash tools/ensure_deno.sh) \
    && "$DENO" install --frozen \
    && "$DENO" run --allow-all --frozen tools/image/app.ts /out

FROM debian:12-slim
COPY tools/image/packages.txt tools/image/trim_rootfs.sh /usr/local/share/directpv-image/
RUN apt-get update \
    && sed 's/#.*//' /usr/local/share/directpv-image/packages.txt \
       | DEBIAN_FRONTEND=noninteractive xargs apt-get install -y --no-install-recommends \
    && bash /usr/local/share/directpv-image/trim_rootfs.sh / \
    && rm -rf /usr/local/share/directpv-image
COPY --from=build /out/ /
ENV DENO_DIR=/var/cache/directpv/deno DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1
# Checks the entrypoint and fills the Deno code cache (half the start-up time).
RUN directpv --version
ENTRYPOINT ["/usr/local/bin/directpv"]

# The driver image: the `directpv` binary (compiled with deno compile) plus the system tools it
# runs on nodes (mkfs.xfs, xfs_quota, xfs_repair from xfsprogs; mount/umount from util-linux;
# smartctl from smartmontools for the drive health check).
#
#   docker build -t quay.io/minio/directpv:dev .
FROM debian:12-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates npm bash \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN DENO=$(bash tools/ensure_deno.sh) \
    && "$DENO" install --frozen \
    && "$DENO" compile --frozen -A --output /out/directpv driver/main.ts \
    && "$DENO" compile --frozen -A --output /out/kubectl-directpv cli/main.ts

FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends xfsprogs mount util-linux smartmontools ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/directpv /directpv
COPY --from=build /out/kubectl-directpv /kubectl-directpv
ENTRYPOINT ["/directpv"]

#!/usr/bin/env bash
# Cross-compiles the linux-arm64 Native AOT bootstrap and runs the Lambda binary tests against it under qemu-user
# (the fake Runtime API, the local stack and the ES test server stay x64). Not part of scripts/test.sh: the arm64
# publish takes ~5 min more. Needs scripts/arm64-toolchain.sh install once. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/arm64-toolchain.sh check || exit 1
command -v qemu-aarch64-static >/dev/null || { echo "qemu-aarch64-static is missing: scripts/arm64-toolchain.sh install" >&2; exit 1; }
./scripts/local-stack.sh ensure || exit 1
./scripts/publish-lambda.sh aot linux-arm64 || { echo "0 passed, 1 failed"; exit 1; }

# The tests start the binary directly; without binfmt_misc the kernel cannot run arm64 code, so a wrapper execs qemu.
wrapper=artifacts/bootstrap/linux-arm64/run-under-qemu.sh
printf '#!/bin/sh\nexec qemu-aarch64-static "%s" "$@"\n' "$PWD/artifacts/bootstrap/linux-arm64/bootstrap" > "$wrapper"
chmod +x "$wrapper"

results=TestResults-arm64
rm -rf "$results"
dotnet build tests/S3Connector.LambdaTests -c Release --nologo -v q || { echo "0 passed, 1 failed"; exit 1; }
S3C_BOOTSTRAP_PATH="$PWD/$wrapper" dotnet test tests/S3Connector.LambdaTests -c Release --no-build --nologo \
  --logger trx --logger "console;verbosity=normal" --results-directory "$results"
./scripts/test-summary.sh "$results" "$?"

#!/usr/bin/env bash
# Builds the Lambda bootstrap without SAM and zips it for provided.al2023.
#   scripts/publish-lambda.sh [aot|jit] [linux-x64|linux-arm64]   (defaults: aot linux-x64)
# aot: Native AOT single file  -> artifacts/bootstrap/<rid>/bootstrap     + artifacts/lambda-<rid>.zip
# jit: self-contained JIT      -> artifacts/bootstrap-jit/<rid>/bootstrap + artifacts/lambda-jit-<rid>.zip
# Native AOT needs clang (or gcc) and zlib for the target. linux-arm64 on an x64 machine is a cross-compile: it needs
# the arm64 toolchain of scripts/arm64-toolchain.sh (checked below); on an arm64 machine it is a native build.
set -euo pipefail
cd "$(dirname "$0")/.."
variant=${1:-aot}
rid=${2:-linux-x64}
project=src/S3Connector.Lambda/S3Connector.Lambda.csproj
case "$variant" in
  # PublishAot and the RID are set in the project: given on the command line they would flow into the referenced
  # libraries and break their lock files. The JIT build (a measurement variant) drops the ILCompiler package, so its
  # restore may not be locked, and the bootstrap's lock file is put back afterwards.
  aot) out=artifacts/bootstrap/$rid; zip=artifacts/lambda-$rid.zip
       props=() ;;
  jit) out=artifacts/bootstrap-jit/$rid; zip=artifacts/lambda-jit-$rid.zip
       props=(-p:PublishAot=false -p:SelfContained=true -p:RestoreLockedMode=false)
       lock=src/S3Connector.Lambda/packages.lock.json
       cp "$lock" "$lock.aot"
       trap 'mv "$lock.aot" "$lock"' EXIT ;;
  *) echo "usage: $0 [aot|jit] [linux-x64|linux-arm64]" >&2; exit 2 ;;
esac
host_rid=linux-$(uname -m | sed -e 's/x86_64/x64/' -e 's/aarch64/arm64/')
if [ "$variant" = aot ] && [ "$rid" = linux-arm64 ] && [ "$host_rid" != linux-arm64 ]; then
  ./scripts/arm64-toolchain.sh check
fi
rm -rf "$out" "$zip"
mkdir -p artifacts
started=$(date +%s)
dotnet publish "$project" -c Release -p:LambdaRuntimeIdentifier="$rid" ${props[@]+"${props[@]}"} -o "$out" --nologo -v q -warnaserror
# Symbol files are for local debugging only; Lambda never reads them.
rm -f "$out"/*.dbg "$out"/*.pdb
echo "published $variant $rid to $out in $(( $(date +%s) - started )) s"
# zip keeps the executable bit Lambda needs on bootstrap; CI machines without zip still get the binary.
if command -v zip >/dev/null; then
  (cd "$out" && zip -qr -X "$OLDPWD/$zip" .)
  echo "zipped $(du -sh "$out" | cut -f1) into $zip ($(du -h "$zip" | cut -f1))"
else
  echo "zip is not installed: skipped $zip"
fi

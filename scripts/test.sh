#!/usr/bin/env bash
# Runs every test: unit tests, then integration tests against the local stack (fauxqs for S3 and SQS, installed from
# tests/local-stack/package-lock.json; moto_server for MotoTests, pip-installed when missing) and the Elasticsearch
# test server, or a real cluster when ES_URL is set.
# Ends with a line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

echo "== installing the local stack (npm ci from tests/local-stack/package-lock.json, once)"
./scripts/local-stack.sh ensure || { echo "installing the local stack failed"; echo "0 passed, 1 failed"; exit 1; }

# The second S3 stack of the integration suite (MotoTests). `--help` rather than `command -v`: a pyenv shim can be on
# PATH for a Python version that does not have moto. A failed install does not stop the run: the moto tests then
# fail, naming moto_server.
if ! moto_server --help >/dev/null 2>&1; then
  echo "== installing moto_server (moto[server]==5.2.1)"
  python=$(command -v python || command -v python3 || true)
  if [ -n "$python" ] && "$python" -m pip install --quiet 'moto[server]==5.2.1'; then
    if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
    hash -r
  fi
  moto_server --help >/dev/null 2>&1 || echo "installing moto_server failed (python -m pip install 'moto[server]==5.2.1'): the moto tests will fail"
fi

# The Lambda binary tests drive the published Native AOT bootstrap: publish it (~3 min) when it is missing or older
# than the sources, so this one command is all a fresh clone needs.
bootstrap=artifacts/bootstrap/linux-x64/bootstrap
if [ ! -x "$bootstrap" ] || [ -n "$(find src Directory.Build.props Directory.Packages.props -newer "$bootstrap" -type f -print -quit)" ]; then
  echo "== publishing the Lambda bootstrap (Native AOT, linux-x64)"
  # A failed publish does not stop the run: the binary tests then fail, naming the missing bootstrap.
  ./scripts/publish-lambda.sh aot linux-x64 || echo "the Native AOT publish failed (see above)"
fi

results=TestResults
rm -rf "$results"
echo "== building"
dotnet build S3LambdaConnector.sln -c Release --nologo -v q || { echo "0 passed, 1 failed"; exit 1; }

echo "== running tests"
dotnet test S3LambdaConnector.sln -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
status=$?
./scripts/test-summary.sh "$results" "$status"

#!/usr/bin/env bash
# The demo: starts a local S3/SQS (fauxqs) and the Elasticsearch test server (or uses ES_URL / ES_API_KEY),
# uploads samples/ to a bucket, runs a full sync through the real handlers, and prints the summary and a few documents.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/local-stack.sh ensure
dotnet run --project tests/S3Connector.Demo -c Release

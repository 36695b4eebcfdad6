#!/usr/bin/env bash
# Installs what the project needs on a fresh machine, and does nothing when it is all there:
#   1. node_modules (npm ci) when missing or older than package-lock.json;
#   2. the Temporal CLI (dev server + Web UI + CLI) and tctl, built from the Go module proxy into
#      .tools/bin, unless TEMPORAL_CLI_PATH / TCTL_PATH point at binaries the user already has;
#   3. with --cluster only (the multi-service cluster on PostgreSQL, scripts/cluster.ts): the Temporal
#      server, temporal-sql-tool and the Web UI server, the same way (TEMPORAL_SERVER_PATH,
#      TEMPORAL_SQL_TOOL_PATH, TEMPORAL_UI_SERVER_PATH point at existing binaries).
# Usage: scripts/setup.sh [--quiet] [--cluster]
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BIN="$ROOT/.tools/bin"
QUIET=0
CLUSTER=0
for arg in "$@"; do
  case "$arg" in
  --quiet) QUIET=1 ;;
  --cluster) CLUSTER=1 ;;
  *)
    echo "setup: unknown option $arg (use --quiet, --cluster)" >&2
    exit 2
    ;;
  esac
done
# `TEMPORAL_BACKEND=cluster npm start` builds what the cluster needs too.
[ "${TEMPORAL_BACKEND:-}" = cluster ] && CLUSTER=1

# Versions: v1.5.1 is the newest CLI tag without a `replace` directive (go install refuses those).
# tctl v1.18.4 (and every other tag but v1.18.0) is refused by this machine's Go module proxy, and
# v1.18.0's module listing is refused too, so it is built from its downloaded module instead of go install.
TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
TCTL_VERSION="${TCTL_VERSION:-v1.18.0}"
# The cluster: the server the CLI embeds (1.29.1), and the UI server the CLI embeds (2.42.1).
TEMPORAL_SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-v1.29.1}"
TEMPORAL_UI_SERVER_VERSION="${TEMPORAL_UI_SERVER_VERSION:-v2.42.1}"

say() { [ "$QUIET" = 1 ] || echo "setup: $*"; }
die() {
  echo "setup: error: $*" >&2
  exit 1
}

start=$(date +%s)

# 1. Node dependencies ------------------------------------------------------------------------------
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing Node dependencies (npm ci)..."
  npm ci --no-audit --no-fund
else
  say "node_modules is up to date"
fi

# 2. Temporal binaries -------------------------------------------------------------------------------
need_go() {
  command -v go >/dev/null 2>&1 && return 0
  [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH" && return 0
  die "Go is not installed, and it is needed once to build the Temporal CLI ($1).
  Either install Go 1.22+ (https://go.dev/dl/ or 'apt-get install golang') and run 'npm run setup' again,
  or point $2 at an existing binary: export $2=/path/to/$1"
}

mkdir -p "$BIN"

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  [ -x "$TEMPORAL_CLI_PATH" ] || die "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file"
  say "using TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH"
elif [ -x "$BIN/temporal" ] && [ "$(cat "$BIN/.temporal-version" 2>/dev/null)" = "$TEMPORAL_CLI_VERSION" ]; then
  say "temporal $TEMPORAL_CLI_VERSION already built"
else
  need_go temporal TEMPORAL_CLI_PATH
  echo "setup: building the Temporal CLI $TEMPORAL_CLI_VERSION from the Go module proxy (a few minutes, once)..."
  GOBIN="$BIN" GOFLAGS=-buildvcs=false go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" ||
    die "could not build github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION (see the go output above)"
  echo "$TEMPORAL_CLI_VERSION" >"$BIN/.temporal-version"
fi

if [ -n "${TCTL_PATH:-}" ]; then
  [ -x "$TCTL_PATH" ] || die "TCTL_PATH=$TCTL_PATH is not an executable file"
  say "using TCTL_PATH=$TCTL_PATH"
elif [ -x "$BIN/tctl" ] && [ "$(cat "$BIN/.tctl-version" 2>/dev/null)" = "$TCTL_VERSION" ]; then
  say "tctl $TCTL_VERSION already built"
else
  need_go tctl TCTL_PATH
  echo "setup: building tctl $TCTL_VERSION from the Go module proxy (a few minutes, once)..."
  dir=$(go mod download -json "github.com/temporalio/tctl@$TCTL_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || die "could not download github.com/temporalio/tctl@$TCTL_VERSION from the Go module proxy"
  (cd "$dir" && GOFLAGS="-mod=mod -buildvcs=false" go build -o "$BIN/tctl" ./cmd/tctl) ||
    die "could not build tctl $TCTL_VERSION (see the go output above)"
  echo "$TCTL_VERSION" >"$BIN/.tctl-version"
fi

# 3. The cluster's binaries (--cluster) ------------------------------------------------------------------
# go install names a binary after its package folder (`server`, `sql`): each is built into a folder of its
# own, then moved to its real name.
build_go_binary() { # <name> <env var with an existing binary> <package@version> <version>
  local name=$1 var=$2 pkg=$3 version=$4
  local given=${!var:-}
  if [ -n "$given" ]; then
    [ -x "$given" ] || die "$var=$given is not an executable file"
    say "using $var=$given"
  elif [ -x "$BIN/$name" ] && [ "$(cat "$BIN/.$name-version" 2>/dev/null)" = "$version" ]; then
    say "$name $version already built"
  else
    need_go "$name" "$var"
    echo "setup: building $name $version from the Go module proxy (a few minutes, once)..."
    local tmp
    tmp=$(mktemp -d)
    GOBIN="$tmp" GOFLAGS=-buildvcs=false go install "$pkg" || die "could not build $pkg (see the go output above)"
    mv "$tmp"/* "$BIN/$name" && rmdir "$tmp"
    echo "$version" >"$BIN/.$name-version"
  fi
}
if [ "$CLUSTER" = 1 ]; then
  build_go_binary temporal-server TEMPORAL_SERVER_PATH \
    "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" "$TEMPORAL_SERVER_VERSION"
  build_go_binary temporal-sql-tool TEMPORAL_SQL_TOOL_PATH \
    "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION" "$TEMPORAL_SERVER_VERSION"
  build_go_binary temporal-ui-server TEMPORAL_UI_SERVER_PATH \
    "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_SERVER_VERSION" "$TEMPORAL_UI_SERVER_VERSION"
fi

say "done in $(($(date +%s) - start)) s"

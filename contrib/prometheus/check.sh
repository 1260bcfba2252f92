#!/bin/bash
# Checks the alert rules beside this script with promtool: `promtool check
# rules`, `promtool test rules` on their unit tests, and `promtool check
# metrics` on each exposition file given as an argument (the unit tests'
# golden file in `make check`).
#
# promtool comes from $PROMTOOL, else from PATH, else from Debian's
# `prometheus` package unpacked (never installed: installing it starts a
# server) into $DAXTIER_VM_CACHE/promtool (default
# /var/cache/daxtierd-vm/promtool), fetched the first time.  Without
# promtool this fails: the check must not pass by being skipped.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${DAXTIER_VM_CACHE:=/var/cache/daxtierd-vm}"
cache=$DAXTIER_VM_CACHE/promtool

die() { echo "promtool: $*" >&2; exit 1; }
note() { echo "promtool: $*" >&2; }

# The Debian mirror the host's apt sources name (read at run time).
mirror() {
        local f uri
        for f in /etc/apt/sources.list.d/*.sources; do
                [ -f "$f" ] || continue
                uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
                [ -n "$uri" ] && { echo "$uri"; return 0; }
        done
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
                [ -f "$f" ] || continue
                uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\// && $i !~ /security/) { print $i; exit } }' "$f")
                [ -n "$uri" ] && { echo "$uri"; return 0; }
        done
        return 1
}

# Downloads prometheus_*.deb into the current directory: with the host's
# apt lists when they know the package, else with a private list of
# bookworm from the host's mirror (the host's apt state is never touched).
download() {
        if apt-get -q download prometheus >/dev/null 2>&1; then
                return 0
        fi
        local m d=$PWD/apt
        m=$(mirror) || die "no Debian mirror in /etc/apt/sources.list*"
        mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
        echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $m bookworm main" >"$d/sources.list"
        local apt=(-o "Dir::Etc::SourceList=$d/sources.list" -o Dir::Etc::SourceParts=/nonexistent
                   -o "Dir::State=$d" -o "Dir::State::status=/var/lib/dpkg/status" -o "Dir::Cache=$d/cache"
                   -o APT::Sandbox::User=root)
        apt-get "${apt[@]}" -q update >/dev/null
        apt-get "${apt[@]}" -q download prometheus >/dev/null
}

fetch() {
        local tmp deb
        mkdir -p "$DAXTIER_VM_CACHE"
        exec {lock}>"$DAXTIER_VM_CACHE/.promtool.lock"
        flock "$lock"
        if [ -x "$cache/usr/bin/promtool" ]; then
                return 0
        fi
        tmp=$(mktemp -d "$DAXTIER_VM_CACHE/promtool.XXXXXX")
        # shellcheck disable=SC2064
        trap "rm -rf '$tmp'" EXIT
        note "fetching Debian's prometheus package for promtool"
        (cd "$tmp" && download) || die "cannot download the prometheus package"
        deb=$(ls "$tmp"/prometheus_*.deb)
        dpkg-deb -x "$deb" "$tmp/x"
        [ -x "$tmp/x/usr/bin/promtool" ] || die "no usr/bin/promtool in $deb"
        rm -rf "$cache"
        mkdir -p "$cache/usr/bin"
        cp "$tmp/x/usr/bin/promtool" "$cache/usr/bin/promtool"
        basename "$deb" >"$cache/package"
        rm -rf "$tmp"
        trap - EXIT
}

if [ -n "${PROMTOOL:-}" ]; then
        promtool=$PROMTOOL
elif command -v promtool >/dev/null; then
        promtool=$(command -v promtool)
else
        [ -x "$cache/usr/bin/promtool" ] || fetch
        promtool=$cache/usr/bin/promtool
fi
"$promtool" --version 2>&1 | head -n1 | sed 's/^/# /'

"$promtool" check rules "$here/daxtierd.rules.yml"
(cd "$here" && "$promtool" test rules daxtierd.rules.test.yml)
for f in "$@"; do
        echo "Checking metrics in $f"
        # check metrics reads stdin; it prints lint problems and fails on them.
        "$promtool" check metrics <"$f"
done

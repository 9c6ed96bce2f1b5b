#!/usr/bin/env bash
# Checks that the committed HEAD builds and passes its tests on its own, in a throw-away worktree
# (so uncommitted work in progress in the main checkout cannot hide a missing file).
set -euo pipefail
root=$(git rev-parse --show-toplevel)
dir=$(mktemp -d /tmp/tg-verify-XXXX)
git -C "$root" worktree add -q --detach "$dir" HEAD
trap 'git -C "$root" worktree remove --force "$dir"' EXIT
ln -s "$root/node_modules" "$dir/node_modules"
cd "$dir"
npm run -s build
node scripts/run-tests.mjs "$@"

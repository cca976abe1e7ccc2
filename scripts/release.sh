#!/usr/bin/env bash
# Tags a release: `npm run release -- 1.2.3` checks that the tree is clean and dist/ is fresh, tags
# v1.2.3, moves the major tag v1 to it, and pushes both tags. Workflows pinned to @v1 get the release.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:-}"
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "usage: npm run release -- X.Y.Z (a semantic version, without the v)" >&2
  exit 2
fi
tag="v$version"
major="v${version%%.*}"

if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "The work tree has uncommitted changes; commit or stash them first." >&2
  exit 1
fi
if git rev-parse -q --verify "refs/tags/$tag" >/dev/null; then
  echo "$tag already exists." >&2
  exit 1
fi
if ! grep -q "## \[$version\]" CHANGELOG.md; then
  echo "CHANGELOG.md has no section for $version; add one first." >&2
  exit 1
fi

# The build is the one step that needs node_modules and a minute of CPU; the release test stands in a
# command for it (RELEASE_BUILD_CMD), since .ci/run already proves that `npm run build` reproduces dist/.
if [ -n "${RELEASE_BUILD_CMD:-}" ]; then
  bash -c "$RELEASE_BUILD_CMD"
else
  npm run build >/dev/null
fi
if [ -n "$(git status --porcelain -- dist)" ]; then
  echo "dist/ is stale: commit the rebuilt bundle first." >&2
  git checkout -- dist
  exit 1
fi

git tag -a "$tag" -m "$tag"
git tag -fa "$major" -m "$major, now at $tag" "$tag^{commit}"
if [ "${RELEASE_NO_PUSH:-}" != "1" ]; then
  git push origin "$tag"
  git push origin "$major" --force
fi
echo "Tagged $tag and moved $major to it."

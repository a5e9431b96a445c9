#!/usr/bin/env bash
# Places WikiText-2 (the standard tokenized release, wikitext-2-v1) in corpora/wikitext-2/{train,valid,test}.txt.
#   scripts/get-corpus.sh DIR   copies DIR/{train,valid,test}.txt (CI passes ../shared/corpora/wikitext-2)
#   scripts/get-corpus.sh       downloads wikitext-2-v1.zip from the dataset's public home and renames
#                               wiki.{train,valid,test}.tokens to {train,valid,test}.txt
# Either way the files are checked against their SHA-256. Idempotent: nothing happens when they are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=corpora/wikitext-2
url="https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip"
declare -A sha=(
    [train]=9e9fa1ad55b1c2c95b08e37dd8e653f638fac2c6de904b79e813611eefbc985f
    [valid]=f0737ed31fc1329026e95cb8b98e19c2a182c39c240ab909dc31abf2f8af58e8
    [test]=d790b833ef8cf03a90db7bf1271b7520b83c45ce07ba3c1a9699df81e239eca0
)
verify() {
    for split in train valid test; do
        [ -f "$dest/$split.txt" ] || return 1
        echo "${sha[$split]}  $dest/$split.txt" | sha256sum --quiet -c - >/dev/null 2>&1 || return 1
    done
}
verify && exit 0
mkdir -p "$dest"
src="${1:-}"
if [ -n "$src" ]; then
    for split in train valid test; do
        [ -f "$src/$split.txt" ] || { echo "get-corpus: $src/$split.txt not found (expected WikiText-2's train/valid/test.txt)" >&2; exit 1; }
        cp "$src/$split.txt" "$dest/$split.txt.tmp" && mv "$dest/$split.txt.tmp" "$dest/$split.txt"
    done
else
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    echo "get-corpus: downloading $url"
    curl -fsSL -o "$tmp/wt2.zip" "$url" || { echo "get-corpus: download failed; pass a local folder: scripts/get-corpus.sh DIR" >&2; exit 1; }
    python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" "$tmp/wt2.zip" "$tmp"
    for split in train valid test; do mv "$tmp/wikitext-2/wiki.$split.tokens" "$dest/$split.txt"; done
fi
verify || { echo "get-corpus: $dest does not match WikiText-2's SHA-256 sums (wrong or damaged copy)" >&2; exit 1; }
echo "get-corpus: WikiText-2 is in $dest"

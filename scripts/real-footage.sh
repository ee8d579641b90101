#!/usr/bin/env bash
# Real footage for the engine's tests, from Debian packages that ship it, extracted into test/.footage/
# (git-ignored) without installing the packages or their dependencies. Idempotent: files already there
# are kept. Needs Debian's package lists (apt-get update) the first time; prints the directory it filled.
#
#   python3-imageio  cockatoo.mp4   H.264 High 4:4:4, 14 s single take; its later keyframes are not clean
#                                   entry points (a seek there decodes to flat green)
#   opencv-doc       Megamind.avi   MPEG-4 Part 2, a candle-lit dinner scene (dark mean, well-lit faces)
#                    vtest.avi      MS MPEG-4 v3, 80 s from a fixed camera, people walking through
#                    tree.avi       Cinepak
#   planetblupi-common play101.mkv  MS Video 1 (a palette codec that draws in flat blocks), a game cutscene
#   opencv-doc       building.jpg, fruits.jpg, baboon.jpg, messi5.jpg, starry_night.jpg: real photographs
#                    (a building, an object, an animal, a footballer, a painted print) for the subject tests
set -euo pipefail
cd "$(dirname "$0")/.."
dest="test/.footage"
mkdir -p "$dest"
declare -A wanted=(
  [cockatoo.mp4]="python3-imageio:usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4"
  [Megamind.avi]="opencv-doc:usr/share/doc/opencv-doc/examples/data/Megamind.avi"
  [vtest.avi]="opencv-doc:usr/share/doc/opencv-doc/examples/data/vtest.avi"
  [tree.avi]="opencv-doc:usr/share/doc/opencv-doc/examples/data/tree.avi"
  [play101.mkv]="planetblupi-common:usr/share/planetblupi/movie/play101.mkv"
)
for photo in building.jpg fruits.jpg baboon.jpg messi5.jpg starry_night.jpg; do
  wanted[$photo]="opencv-doc:usr/share/doc/opencv-doc/examples/data/$photo"
done
declare -A packages=()
for name in "${!wanted[@]}"; do
  [ -s "$dest/$name" ] || packages["${wanted[$name]%%:*}"]=1
done
if [ ${#packages[@]} -gt 0 ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  # apt-get download runs as any user and fetches only the named .debs (no dependencies, no install).
  (cd "$work" && apt-get download -q "${!packages[@]}" >&2)
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
  for name in "${!wanted[@]}"; do
    [ -s "$dest/$name" ] || cp "$work/root/${wanted[$name]#*:}" "$dest/$name"
  done
fi
echo "$dest"

#!/usr/bin/env bash
# The window screenshots in docs/: the real window on a virtual X screen (../shared/tools/window-shot,
# Xvfb), on a first start (fresh settings: the first-start layout and the welcome panel), light and
# dark (the app's own theme setting, as View ▸ Dark theme stores it), at a laptop's 1280×800, a
# desktop's 1920×1080 and a 2× screen (QT_SCALE_FACTOR=2 on 2560×1600: 1280×800 logical).
# Without a window manager the first-start window (94 % of a screen wider than 1440 px) sits in
# the top-left corner of a black root window; the black is cropped away.
#
#   tools/window_shots.sh [SHOT_TOOL]     (run from the project folder; writes docs/*.png)
set -euo pipefail
shot_tool=${1:-../shared/tools/window-shot}
cfg=$(mktemp -d)
trap 'rm -rf "$cfg"' EXIT

shot() {  # name, screen size, theme, welcome dismissed, Qt scale factor
  local dir="$cfg/$1"
  mkdir -p "$dir/KurskAtlas"
  printf '[map]\ntheme=%s\n[welcome]\ndismissed=%s\n' "$3" "$4" > "$dir/KurskAtlas/Kursk Atlas.conf"
  XDG_CONFIG_HOME=$dir "$shot_tool" "$cfg/$1.png" --size "$2" --wait 14 -- \
    env QT_SCALE_FACTOR="$5" XDG_CONFIG_HOME="$dir" .venv/bin/python main.py
  QT_QPA_PLATFORM=offscreen .venv/bin/python tools/crop_to_window.py "$cfg/$1.png" "docs/$1.png"
}

shot window-1280x800-light 1280x800 light false 1
shot window-1280x800-dark 1280x800 dark false 1
shot window-1920x1080-light 1920x1080 light false 1
shot window-1920x1080-dark 1920x1080 dark false 1
shot screenshot 1600x1000 light true 1
shot window-2x 2560x1600 light false 2

# Helpers shared by recipes/templates/tts.sh and slu.sh (sourced; not run on its own).
# shellcheck shell=bash disable=SC2154  # stage, stop_stage, corpus... are set by the sourcing script

set -euo pipefail
# `speech` and the Python that runs the pyscripts (tests point both at the interpreter under test).
# Defaults: `speech` on the PATH, else the repository's .venv; the Python next to that `speech`.
_venv_bin="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.venv/bin"
if [ -n "${SPEECH:-}" ]; then speech=$SPEECH
elif command -v speech > /dev/null; then speech=speech
else speech="$_venv_bin/speech"
fi
_speech_bin=$(command -v "${speech%% *}" || true)
if [ -n "${PYTHON:-}" ]; then python=$PYTHON
elif [ -n "$_speech_bin" ] && [ -x "$(dirname "$_speech_bin")/python" ]; then python="$(dirname "$_speech_bin")/python"
else python=python3
fi
user_pwd=$PWD  # the caller's directory: relative paths given as options are relative to it
[ -n "${prepare_opts+x}" ] || prepare_opts=()  # a run.sh without corpus options may leave it unset

log() { echo "[$(date +%H:%M:%S)] $corpus/$(basename "$recipe_dir"): $*" >&2; }
die() { echo "$(basename "$0"): error: $*" >&2; exit 2; }

# Absolute form of a path given on the command line (relative to where run.sh was called from).
abspath() { case "$1" in /*) echo "$1";; *) echo "$user_pwd/$1";; esac; }

# stage_on N: whether stage N is within --stage .. --stop-stage.
stage_on() { [ "$stage" -le "$1" ] && [ "$stop_stage" -ge "$1" ]; }

check_stage_range() {
  local last=$1
  [[ "$stage" =~ ^[0-9]+$ && "$stop_stage" =~ ^[0-9]+$ ]] || die "--stage and --stop-stage take numbers 1..$last"
  [ "$stage" -ge 1 ] && [ "$stop_stage" -le "$last" ] && [ "$stage" -le "$stop_stage" ] \
    || die "stages run from 1 to $last; got --stage $stage --stop-stage $stop_stage"
}

# require FILE STAGE: fail early, naming the stage that writes FILE, when a stage's input is missing.
require() {
  local same="--data/--exp"; $smoke && same="--data/--exp and --smoke"
  [ -e "$1" ] || die "$1 not found: run stage $2 first (--stage $2) with the same $same"
}

need_corpus_dir() {
  [ -n "$corpus_dir" ] || die "stage 1 needs --corpus-dir DIR: the folder $expected_layout, as downloaded and extracted"
  [ -d "$corpus_dir" ] || die "--corpus-dir $corpus_dir does not exist (expected the folder $expected_layout)"
}

# Stage 1a: `speech data prepare`, once (delete data/manifests to prepare again).
prepare_corpus() {
  if [ -f "$manifests/.done" ]; then
    log "stage 1: manifests already in $manifests (delete it to prepare again)"
    return
  fi
  log "stage 1: speech data prepare $corpus $corpus_dir -> $manifests"
  $speech data prepare "$corpus" --src "$corpus_dir" --out "$manifests" --num-jobs "$workers" "${prepare_opts[@]}"
  touch "$manifests/.done"
}

#!/usr/bin/env bash
# Dubbing study on the bootstrap corpus: paired utterances (the same sentence in two languages, by
# voices of both languages) -> speech dub vs plain synthesis -> Whisper CER -> Avila & Ward's
# copy / mean / linear-regression predictors -> RESULTS.md.
#
#   ./run.sh                          # everything, on CPU (about 15 min on 2 cores)
#   ./run.sh --smoke                  # every stage on 2 sentences per language pair (CI)
#   ./run.sh --stage 3 --stop-stage 4 # resume: each stage skips what exists
#
# Stages:
#   1 pairs     render the pairs with the bootstrap voices and emotion styles (local/dub_study.py pairs)
#   2 dub       speech.dub on every source (copy map), plain synthesis, reference profiles
#   3 cer       Whisper-base CER of dub, plain and reference (faster-whisper, the assembled asset)
#   4 table     RESULTS.md (source->output distances, duration, similarity, CER, emotion; baselines)
#   5 linear    linear prosody maps fitted per language pair, dubs with them (their table is
#               in-sample: the maps saw every pair) -> RESULTS_linear.md
set -euo pipefail
cd "$(dirname "$0")"
# `speech` ($SPEECH) and the Python that runs local/*.py ($PYTHON), as every recipe finds them.
# shellcheck source=recipes/templates/common.sh
. ../../templates/common.sh
stage=1; stop_stage=4; smoke=false; workers=2; work=${WORK:-exp}; per_pair=40
model=../../../models/bootstrap-multilingual
while [ $# -gt 0 ]; do
  case "$1" in
    --stage) stage=$2; shift 2;;
    --stop-stage) stop_stage=$2; shift 2;;
    --smoke) smoke=true; shift;;
    --workers) workers=$2; shift 2;;
    --work) work=$2; shift 2;;
    --model) model=$2; shift 2;;
    --per-pair) per_pair=$2; shift 2;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2;;
  esac
done
results=RESULTS.md
if $smoke; then per_pair=2; work=${work}_smoke; results=$work/RESULTS.md; fi
study="$python local/dub_study.py --work $work --model $model"

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then $study pairs --per-pair "$per_pair" --workers "$workers"; fi
if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then $study dub; fi
if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then $study cer; fi
if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then $study table --results "$results"; fi
if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  $study fit-maps --maps "$work/maps"
  $study dub --maps "$work/maps" --tag _linear
  $study cer --tag _linear
  $study table --tag _linear --results "${results%.md}_linear.md"
fi

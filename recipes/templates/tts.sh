# Shared stages of the real-corpus TTS recipes (like ESPnet's egs2/TEMPLATE/tts1/tts.sh, but short:
# the logic lives in `speech` commands and in pyscripts/). A recipe's run.sh sets the corpus values
# below and sources this file with its arguments:
#
#   corpus=vctk                        # `speech data prepare` name = manifest prefix
#   corpus_title="CSTR VCTK 0.92"      # for RESULTS.md
#   expected_layout="VCTK-Corpus-0.92 (speaker-info.txt, txt/, wav48_silence_trimmed/)"
#   prepare_opts=(--mic mic2)          # corpus options of `speech data prepare`
#   smoke_prepare_opts=(...)           # other options for --smoke (optional; e.g. fewer parts)
#   split_opts=(--source all --heldout-speakers 8 --dev-per-speaker 5 --test-per-speaker 10)
#   smoke_split_opts=(--source all --max-speakers 3 --max-per-speaker 4 --dev-per-speaker 1 --test-per-speaker 1)
#   per_voice=3                        # evaluation sentences per voice and set
#   . ../../templates/tts.sh "$@"
#
# Options (every run.sh):
#   --corpus-dir DIR     the corpus as downloaded and extracted (needed by stage 1)
#   --stage N --stop-stage M   run stages N..M (each resumes or redoes its own step)
#   --smoke              every stage on a few utterances with conf/tts_smoke.yaml (CPU, minutes)
#   --data DIR --exp DIR where data and experiments go (default: data/ and exp/ here; --smoke adds _smoke)
#   --workers N          processes for preparation and features (default 4)
#   --vocoder train|griffin-lim|DIR   train one (stage 4, default), use Griffin-Lim, or reuse an exported one
#   --ablation           also train and evaluate the model without the adversarial speaker loss
#   --eval-asr-model DIR a saved ASR model (speech train, task asr_ctc): stage 6 adds CER/WER of the outputs
#   key=value ...        overrides for the acoustic training (e.g. trainer.devices=8 trainer.max_steps=1000)
#
# Stages:
#   1 prepare    speech data prepare + pyscripts/split_corpus.py   -> data/manifests, data/splits
#   2 features   speech tts features (mel, pitch, energy, d-vectors) -> data/feats, exp/configs/*.yaml
#   3 acoustic   speech train (resumes from exp/tts*/checkpoints/last.ckpt)
#   4 vocoder    speech tts vocoder cuts + speech train + speech tts vocoder export (skipped with --vocoder DIR)
#   5 package    speech tts package -> exp/synth*
#   6 evaluate   speech tts evaluate + pyscripts/write_results.py -> exp/RESULTS.md (and ./RESULTS.md)
# shellcheck shell=bash disable=SC2154  # corpus values are set by the sourcing run.sh

templates=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
recipe_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$templates/../.." && pwd)
# shellcheck source=recipes/templates/common.sh
. "$templates/common.sh"

stage=1; stop_stage=6; smoke=false; workers=4; vocoder=train; ablation=false; eval_asr=()
corpus_dir=""; data="$recipe_dir/data"; exp="$recipe_dir/exp"; train_overrides=()
tts_conf=${tts_conf:-conf/tts.yaml}; smoke_conf=${smoke_conf:-conf/tts_smoke.yaml}
voc_conf=${voc_conf:-$repo/speech/tts/vocoder/configs/bootstrap_gpu.yaml}
voc_smoke_conf=${voc_smoke_conf:-$templates/conf/vocoder_smoke.yaml}
per_voice=${per_voice:-3}
while [ $# -gt 0 ]; do
  case "$1" in --stage|--stop-stage|--corpus-dir|--data|--exp|--workers|--vocoder|--eval-asr-model) [ $# -ge 2 ] || die "$1 needs a value";; esac
  case "$1" in
    --stage) stage=$2; shift 2;;
    --stop-stage) stop_stage=$2; shift 2;;
    --smoke) smoke=true; shift;;
    --corpus-dir) corpus_dir=$(abspath "$2"); shift 2;;
    --data) data=$(abspath "$2"); shift 2;;
    --exp) exp=$(abspath "$2"); shift 2;;
    --workers) workers=$2; shift 2;;
    --vocoder) vocoder=$2; shift 2;;
    --ablation) ablation=true; shift;;
    --eval-asr-model) eval_asr=(--asr-model "$(abspath "$2")"); shift 2;;
    *=*) train_overrides+=("$1"); shift;;
    *) die "unknown option $1 (see the header of $templates/tts.sh)";;
  esac
done
cd "$recipe_dir"
conf=$tts_conf; vconf=$voc_conf; splits=("${split_opts[@]}")
if $smoke; then
  conf=$smoke_conf; vconf=$voc_smoke_conf; splits=("${smoke_split_opts[@]}"); per_voice=1
  data=${data}_smoke; exp=${exp}_smoke
  [ -z "${smoke_prepare_opts+x}" ] || prepare_opts=("${smoke_prepare_opts[@]}")
fi
check_stage_range 6
[ -f "$conf" ] || die "config $conf not found in $recipe_dir"
runs=(adv); $ablation && runs+=(noadv)
if [ "$vocoder" != train ] && [ "$vocoder" != griffin-lim ]; then
  vocoder=$(abspath "$vocoder")
  [ -f "$vocoder/config.yaml" ] || die "--vocoder $vocoder: no exported vocoder there (expected config.yaml from \`speech tts vocoder export\`)"
fi
manifests=$data/manifests; split_dir=$data/splits; feats=$data/feats; configs=$exp/configs
conf_name=$(basename "$conf")

if stage_on 1; then
  need_corpus_dir
  prepare_corpus
  log "stage 1: split ${splits[*]}"
  $python "$templates/pyscripts/split_corpus.py" --manifests "$manifests" --corpus "$corpus" --out "$split_dir" \
    "${splits[@]}"
fi
if stage_on 2; then
  require "$split_dir/split_info.json" 1
  log "stage 2: features of train and dev -> $feats"
  $speech tts features --manifests "$split_dir" --corpus "$corpus" --splits train dev --out "$feats" \
    --configs "$conf" --config-dir "$configs" --workers "$workers"
fi
if stage_on 3; then
  require "$configs/$conf_name" 2
  for run in "${runs[@]}"; do
    log "stage 3: acoustic model ($run) -> $exp/tts_$run"
    extra=(); [ "$run" = noadv ] && extra=(task_conf.model.adversarial.enabled=false)
    $speech train --config "$configs/$conf_name" exp_dir="$exp/tts_$run" "${extra[@]}" "${train_overrides[@]}"
  done
fi
if stage_on 4; then
  if [ "$vocoder" = train ]; then
    require "$split_dir/split_info.json" 1
    log "stage 4: vocoder ($vconf) -> $exp/vocoder"
    mkdir -p "$data/vocoder"
    for split in train dev; do
      $speech tts vocoder cuts --manifests "$split_dir" --corpus "$corpus" --splits $split \
        -o "$data/vocoder/${split}_cuts.jsonl.gz"
    done
    $speech train --config "$vconf" exp_dir="$exp/vocoder" \
      data.train_cuts="$data/vocoder/train_cuts.jsonl.gz" data.valid_cuts="$data/vocoder/dev_cuts.jsonl.gz"
    $speech tts vocoder export "$exp/vocoder/model" -o "$exp/vocoder/export"
  else
    log "stage 4: no vocoder training (--vocoder $vocoder)"
  fi
fi
if stage_on 5; then
  voc_args=()
  case "$vocoder" in
    train) require "$exp/vocoder/export/config.yaml" 4; voc_args=(--vocoder "$exp/vocoder/export");;
    griffin-lim) ;;
    *) voc_args=(--vocoder "$vocoder");;
  esac
  for run in "${runs[@]}"; do
    require "$exp/tts_$run/model/config.yaml" 3
    log "stage 5: package $exp/synth_$run"
    $speech tts package --acoustic "$exp/tts_$run/model" --symbols "$feats/symbols.json" "${voc_args[@]}" \
      --out "$exp/synth_$run"
  done
fi
if stage_on 6; then
  eval_args=()
  for run in "${runs[@]}"; do
    require "$exp/synth_$run/acoustic/config.yaml" 5
    name=adversarial; [ "$run" = noadv ] && name=no_adversarial
    eval_args+=(--model "$exp/synth_$run" --name "$name")
  done
  log "stage 6: evaluate on $split_dir (test, heldout)"
  $speech tts evaluate "${eval_args[@]}" --manifests "$split_dir" --corpus "$corpus" --per-voice "$per_voice" \
    "${eval_asr[@]}" --out "$exp/eval"
  $python "$templates/pyscripts/write_results.py" tts --title "$corpus_title" --recipe "$recipe_dir" \
    --config "$conf" --splits "$split_dir" --exp "$exp" --out "$exp/RESULTS.md" --runs "${runs[@]}"
  # The smoke table is a test of the stages, not a result: only a full run updates ./RESULTS.md.
  $smoke || cp "$exp/RESULTS.md" "$recipe_dir/RESULTS.md"
  log "wrote $exp/RESULTS.md"
fi

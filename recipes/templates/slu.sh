# Shared stages of the real-corpus SLU recipes (sourced by recipes/<corpus>/slu/run.sh, which sets):
#
#   corpus=fsc                         # `speech data prepare` name = manifest prefix
#   corpus_title="Fluent Speech Commands"
#   expected_layout="fluent_speech_commands_dataset (data/*_data.csv, wavs/speakers/)"
#   prepare_opts=()                    # corpus options of `speech data prepare`
#   split_opts=(--source train dev test --assign train=train dev=dev test=test)
#   smoke_split_opts=("${split_opts[@]}" --max-speakers 4 --max-per-speaker 8)
#   . ../../templates/slu.sh "$@"
#
# Options (every run.sh):
#   --corpus-dir DIR     the corpus as downloaded and extracted (needed by stage 1)
#   --stage N --stop-stage M   run stages N..M
#   --smoke              every stage on a few utterances with conf/slu_smoke.yaml (CPU, minutes)
#   --data DIR --exp DIR where data and experiments go (default: data/ and exp/ here; --smoke adds _smoke)
#   --workers N          processes for corpus preparation (default 4)
#   --asr-model DIR      start the SLU encoder from this saved ASR model (stage 2 checks it; the encoder
#                        architecture is then the ASR model's). Default: train from scratch.
#   --encoder whisper    Whisper-base's encoder (frozen, from the assets `speech assets install` assembled)
#                        instead of the config's own: conf/slu_whisper.yaml (--smoke: slu_whisper_smoke.yaml)
#   key=value ...        overrides for the SLU training (e.g. trainer.max_steps=2000 task_conf.ctc_weight=0.3)
#
# Stages:
#   1 prepare    speech data prepare + pyscripts/split_corpus.py (cuts) + label set (train + dev)
#   2 init       check --asr-model (a saved ASR model, not another model type); skipped without it
#   3 train      speech train (task: slu; resumes from exp/slu/checkpoints/last.ckpt)
#   4 evaluate   reference / predicted intents of the test split + speech eval intent -> exp/eval/
#   5 results    pyscripts/write_results.py -> exp/RESULTS.md (and ./RESULTS.md after a full run)
# shellcheck shell=bash disable=SC2154  # corpus values are set by the sourcing run.sh

templates=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
recipe_dir=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=recipes/templates/common.sh
. "$templates/common.sh"

stage=1; stop_stage=5; smoke=false; workers=4; asr_model=""; encoder=own
corpus_dir=""; data="$recipe_dir/data"; exp="$recipe_dir/exp"; train_overrides=()
slu_conf=${slu_conf:-conf/slu.yaml}; smoke_conf=${smoke_conf:-conf/slu_smoke.yaml}
while [ $# -gt 0 ]; do
  case "$1" in --stage|--stop-stage|--corpus-dir|--data|--exp|--workers|--asr-model|--encoder) [ $# -ge 2 ] || die "$1 needs a value";; esac
  case "$1" in
    --stage) stage=$2; shift 2;;
    --stop-stage) stop_stage=$2; shift 2;;
    --smoke) smoke=true; shift;;
    --corpus-dir) corpus_dir=$(abspath "$2"); shift 2;;
    --data) data=$(abspath "$2"); shift 2;;
    --exp) exp=$(abspath "$2"); shift 2;;
    --workers) workers=$2; shift 2;;
    --asr-model) asr_model=$(abspath "$2"); shift 2;;
    --encoder) encoder=$2; shift 2;;
    *=*) train_overrides+=("$1"); shift;;
    *) die "unknown option $1 (see the header of $templates/slu.sh)";;
  esac
done
cd "$recipe_dir"
case "$encoder" in
  own) ;;
  whisper)
    [ -z "$asr_model" ] || die "--asr-model and --encoder whisper both choose the encoder: give one of them"
    slu_conf=conf/slu_whisper.yaml; smoke_conf=conf/slu_whisper_smoke.yaml;;
  *) die "--encoder must be own or whisper, got '$encoder'";;
esac
conf=$slu_conf; splits=("${split_opts[@]}")
if $smoke; then
  conf=$smoke_conf; splits=("${smoke_split_opts[@]}")
  data=${data}_smoke; exp=${exp}_smoke
  [ -z "${smoke_prepare_opts+x}" ] || prepare_opts=("${smoke_prepare_opts[@]}")
fi
check_stage_range 5
[ -f "$conf" ] || die "config $conf not found in $recipe_dir"
if [ -n "$asr_model" ] && [ ! -d "$asr_model" ]; then
  die "--asr-model $asr_model does not exist (expected a model directory saved by \`speech train\` with task asr)"
fi
manifests=$data/manifests; split_dir=$data/splits; labels=$data/splits/labels.json

if stage_on 1; then
  need_corpus_dir
  prepare_corpus
  log "stage 1: split ${splits[*]}"
  $python "$templates/pyscripts/split_corpus.py" --manifests "$manifests" --corpus "$corpus" --out "$split_dir" \
    --cuts "${splits[@]}"
  $python "$templates/pyscripts/slu_tools.py" labels --cuts "$split_dir/train_cuts.jsonl.gz" \
    "$split_dir/dev_cuts.jsonl.gz" -o "$labels"
fi
init=()
if [ -n "$asr_model" ]; then
  init=(task_conf.init.source=asr task_conf.init.path="$asr_model")
fi
if stage_on 2; then
  if [ -n "$asr_model" ]; then
    log "stage 2: encoder from the ASR model $asr_model"
    $python "$templates/pyscripts/slu_tools.py" check-asr "$asr_model"
  else
    log "stage 2: no --asr-model: the SLU encoder trains from scratch"
  fi
fi
if stage_on 3; then
  require "$labels" 1
  log "stage 3: train ($conf) -> $exp/slu"
  $speech train --config "$conf" exp_dir="$exp/slu" data.train_cuts="$split_dir/train_cuts.jsonl.gz" \
    data.valid_cuts="$split_dir/dev_cuts.jsonl.gz" task_conf.labels_file="$labels" "${init[@]}" \
    "${train_overrides[@]}"
fi
if stage_on 4; then
  require "$exp/slu/model/config.yaml" 3
  log "stage 4: evaluate on the test split -> $exp/eval"
  $python "$templates/pyscripts/slu_tools.py" eval-inputs --model "$exp/slu/model" --splits "$split_dir" \
    --corpus "$corpus" --split test --out "$exp/eval"
  $speech eval intent --ref "$exp/eval/ref.jsonl" --pred "$exp/eval/pred.jsonl" --json "$exp/eval/intent.json" \
    --csv "$exp/eval/intent.csv"
fi
if stage_on 5; then
  require "$exp/eval/intent.json" 4
  $python "$templates/pyscripts/write_results.py" slu --title "$corpus_title" --recipe "$recipe_dir" \
    --config "$conf" --splits "$split_dir" --exp "$exp" --out "$exp/RESULTS.md"
  # The smoke table is a test of the stages, not a result: only a full run updates ./RESULTS.md.
  $smoke || cp "$exp/RESULTS.md" "$recipe_dir/RESULTS.md"
  log "wrote $exp/RESULTS.md"
fi

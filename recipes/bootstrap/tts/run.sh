#!/usr/bin/env bash
# Bootstrap multilingual TTS: corpus -> features -> acoustic models (with and without the
# adversarial speaker loss) -> vocoder -> packaged synthesizers -> evaluation -> RESULTS.md.
#
#   ./run.sh                      # everything, full size (hours on 2 CPU cores)
#   ./run.sh --smoke              # every stage on a few utterances (minutes; what CI runs)
#   ./run.sh --cpu                # for 2 CPU cores: 130 utterances per voice, conf/tts_cpu.yaml (~1 h per model)
#   ./run.sh --stage 3 --stop-stage 4   # resume: each stage skips or continues what exists
#
# Stages:
#   1 corpus     speech data bootstrap-tts          (resumable: finished utterances are kept)
#   2 features   speech tts-features                (mel, pitch, energy, d-vectors; resumable by shard)
#   3 acoustic   speech train  (adversarial)        (resumes from exp/*/checkpoints/last.ckpt)
#   4 ablation   speech train  (no adversarial loss)
#   5 vocoder    speech vocoder cuts + speech train + export
#   6 package    speech tts-package                 (acoustic + symbols + vocoder)
#   7 evaluate   speech tts-evaluate                -> exp/eval/RESULTS.md, copied to ./RESULTS.md
set -euo pipefail
cd "$(dirname "$0")"
stage=1; stop_stage=7; smoke=false; size=full; workers=2; train_conf=tts; per_speaker=""
data=data; exp=exp
while [ $# -gt 0 ]; do
  case "$1" in
    --stage) stage=$2; shift 2;;
    --stop-stage) stop_stage=$2; shift 2;;
    --smoke) smoke=true; shift;;
    --cpu) train_conf=tts_cpu; per_speaker="--max-per-speaker 130"; shift;;
    --workers) workers=$2; shift 2;;
    --data) data=$2; shift 2;;
    --exp) exp=$2; shift 2;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2;;
  esac
done
speech=${SPEECH:-speech}
langs=""; voc_conf=../../../speech/tts/vocoder/configs/bootstrap_cpu.yaml
if $smoke; then
  train_conf=tts_smoke; size=small; langs="--langs en es"; voc_conf=conf/vocoder_smoke.yaml
  data=${data}_smoke; exp=${exp}_smoke
fi
corpus=$data/corpus; feats=$data/feats; configs=$exp/configs

if [ $stage -le 1 ] && [ $stop_stage -ge 1 ]; then
  $speech data bootstrap-tts --out "$corpus" --size $size --workers "$workers" $langs
fi
if [ $stage -le 2 ] && [ $stop_stage -ge 2 ]; then
  $speech tts-features --manifests "$corpus" --corpus bootstrap_tts --splits train dev \
    --out "$feats" --configs conf/$train_conf.yaml --config-dir "$configs" --workers "$workers" $per_speaker
fi
if [ $stage -le 3 ] && [ $stop_stage -ge 3 ]; then
  $speech train --config "$configs/$train_conf.yaml" exp_dir="$exp/tts_adv"
fi
if [ $stage -le 4 ] && [ $stop_stage -ge 4 ]; then
  $speech train --config "$configs/$train_conf.yaml" exp_dir="$exp/tts_noadv" \
    task_conf.model.adversarial.enabled=false
fi
if [ $stage -le 5 ] && [ $stop_stage -ge 5 ]; then
  mkdir -p "$data/vocoder"
  $speech vocoder cuts --manifests "$corpus" --splits train -o "$data/vocoder/train_cuts.jsonl.gz"
  $speech vocoder cuts --manifests "$corpus" --splits dev -o "$data/vocoder/dev_cuts.jsonl.gz"
  $speech train --config "$voc_conf" exp_dir="$exp/vocoder" \
    data.train_cuts="$data/vocoder/train_cuts.jsonl.gz" data.valid_cuts="$data/vocoder/dev_cuts.jsonl.gz"
  $speech vocoder export "$exp/vocoder/model" -o "$exp/vocoder/export"
fi
if [ $stage -le 6 ] && [ $stop_stage -ge 6 ]; then
  for run in adv noadv; do
    $speech tts-package --acoustic "$exp/tts_$run/model" --symbols "$feats/symbols.json" \
      --vocoder "$exp/vocoder/export" --out "$exp/synth_$run"
  done
fi
if [ $stage -le 7 ] && [ $stop_stage -ge 7 ]; then
  per_voice=3; $smoke && per_voice=1
  $speech tts-evaluate --model "$exp/synth_adv" --name adversarial --model "$exp/synth_noadv" \
    --name no_adversarial --manifests "$corpus" --per-voice $per_voice --out "$exp/eval"
  $smoke || cp "$exp/eval/RESULTS.md" RESULTS.md  # the smoke table is a test, not a result
fi

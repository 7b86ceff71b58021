#!/usr/bin/env bash
# Bootstrap multilingual TTS: corpus -> features -> acoustic models (with and without the
# adversarial speaker loss) -> consistency fine-tuning -> vocoder -> packaged synthesizers ->
# evaluation -> RESULTS.md.
#
#   ./run.sh                      # everything, full size (hours on 2 CPU cores)
#   ./run.sh --smoke              # every stage on a few utterances (minutes; what CI runs)
#   ./run.sh --cpu                # for 2 CPU cores: conf/tts_cpu.yaml (~45 min per model; features ~20 min)
#   ./run.sh --cpu --max-per-speaker 130   # the same on a fixed random subset of each voice
#   ./run.sh --stage 3 --stop-stage 4   # resume: each stage skips or continues what exists
#   ./run.sh --stage 8 --asr-model en-us=ASR_DIR   # evaluation with CER (repeatable, [LANGS=]DIR)
#   ./run.sh --ft-steps 250       # a shorter consistency stage (5); 750 by default, sized for hundreds of voices
#
# Stages:
#   1 corpus       speech data bootstrap-tts        (resumable: finished utterances are kept)
#   2 features     speech tts features              (mel, pitch, energy, d-vectors; resumable by shard)
#   3 acoustic     speech train  (adversarial)      (resumes from exp/*/checkpoints/last.ckpt)
#   4 ablation     speech train  (no adversarial loss)
#   5 consistency  speech train  (stage 3's model fine-tuned with the style- and speaker-consistency
#                  losses on its free-running output: the model that ships)
#   6 vocoder      speech tts vocoder cuts + speech train (the shipped vocoder fine-tuned) + export
#   7 package      speech tts package               (acoustic + symbols + vocoder)
#   8 evaluate     speech tts evaluate + local/prosody_judge.py -> exp/eval/RESULTS.md, copied to ./RESULTS.md
set -euo pipefail
cd "$(dirname "$0")"
# `speech` ($SPEECH) and the Python that runs local/*.py ($PYTHON), as every recipe finds them.
# shellcheck source=recipes/templates/common.sh
. ../../templates/common.sh
stage=1; stop_stage=8; smoke=false; size=full; workers=2; train_conf=tts; per_speaker=""
data=data; exp=exp; asr=(); ft_steps=750
while [ $# -gt 0 ]; do
  case "$1" in
    --stage) stage=$2; shift 2;;
    --stop-stage) stop_stage=$2; shift 2;;
    --smoke) smoke=true; shift;;
    --cpu) train_conf=tts_cpu; shift;;
    --max-per-speaker) per_speaker="--max-per-speaker $2"; shift 2;;
    --workers) workers=$2; shift 2;;
    --ft-steps) ft_steps=$2; shift 2;;
    --data) data=$2; shift 2;;
    --exp) exp=$2; shift 2;;
    --asr-model) asr+=(--asr-model "$2"); shift 2;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2;;
  esac
done
langs=""; voc_conf=../../../speech/tts/vocoder/configs/bootstrap_cpu.yaml
if $smoke; then
  # The smoke run checks the stages, not the voices: the fast system teacher (the natural one is
  # tested in tests/data/test_bootstrap_natural.py; a Kokoro utterance costs 1-3 s on CPU).
  train_conf=tts_smoke; size=small; langs="--langs en es --teacher system"; voc_conf=conf/vocoder_smoke.yaml; ft_steps=4
  data=${data}_smoke; exp=${exp}_smoke
fi
corpus=$data/corpus; feats=$data/feats; configs=$exp/configs

if [ $stage -le 1 ] && [ $stop_stage -ge 1 ]; then
  $speech data bootstrap-tts --out "$corpus" --size $size --workers "$workers" $langs
fi
if [ $stage -le 2 ] && [ $stop_stage -ge 2 ]; then
  $speech tts features --manifests "$corpus" --corpus bootstrap_tts --splits train dev \
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
  # A short fine-tuning from stage 3's weights (lower learning rate, same data): the frozen emotion
  # encoder must recognise the requested emotion, and the frozen GE2E encoder the voice, in what the
  # model says with its own durations, pitch and energy.
  $speech train --config "$configs/$train_conf.yaml" exp_dir="$exp/tts_adv_cons" \
    task_conf.init_from="$exp/tts_adv/model" task_conf.model.emotion.style_consistency_weight=0.5 \
    task_conf.model.loss.speaker_consistency=1.0 trainer.max_steps=$ft_steps \
    trainer.val_every_n_steps=$(( (ft_steps + 3) / 4 )) checkpoint.every_n_steps=$(( (ft_steps + 7) / 8 )) \
    optim.lr=5.0e-4 scheduler.warmup_steps=$(( ft_steps / 20 ))
fi
if [ $stage -le 6 ] && [ $stop_stage -ge 6 ]; then
  mkdir -p "$data/vocoder"
  $speech tts vocoder cuts --manifests "$corpus" --splits train -o "$data/vocoder/train_cuts.jsonl.gz"
  $speech tts vocoder cuts --manifests "$corpus" --splits dev -o "$data/vocoder/dev_cuts.jsonl.gz"
  # Full runs fine-tune the shipped generator: from scratch, 4,000 CPU batches on natural speech left
  # a frame-rate buzz (F0 at 22050/256 Hz in a third of the frames; speech/tts/vocoder/configs/README.md).
  voc_init=(task_conf.init_from=../../../models/bootstrap-multilingual/vocoder
            task_conf.model.loss.discriminator_start=200 task_conf.generator_optim.lr=2.0e-4
            task_conf.generator_scheduler.warmup_steps=50 trainer.max_steps=1500)
  $smoke && voc_init=()
  $speech train --config "$voc_conf" exp_dir="$exp/vocoder" \
    data.train_cuts="$data/vocoder/train_cuts.jsonl.gz" data.valid_cuts="$data/vocoder/dev_cuts.jsonl.gz" \
    "${voc_init[@]}"
  $speech tts vocoder export "$exp/vocoder/model" -o "$exp/vocoder/export"
fi
if [ $stage -le 7 ] && [ $stop_stage -ge 7 ]; then
  for run in adv noadv adv_cons; do
    [ -d "$exp/tts_$run/model" ] || { echo "stage 7: no $exp/tts_$run/model (stage not run): not packaged" >&2; continue; }
    $speech tts package --acoustic "$exp/tts_$run/model" --symbols "$feats/symbols.json" \
      --vocoder "$exp/vocoder/export" --out "$exp/synth_$run"
  done
fi
if [ $stage -le 8 ] && [ $stop_stage -ge 8 ]; then
  # RESULTS.md's sizes: 4 training voices per language (hundreds of voices would take hours), every held-out one
  sizes=(--per-voice 2 --cross-languages 2 --voices 56); $smoke && sizes=(--per-voice 1)
  models=()  # the runs that exist (stage 4's ablation is optional), then the shipped model as the baseline
  for run in adv:adversarial noadv:no_adversarial adv_cons:adversarial_consistency; do
    [ -d "$exp/synth_${run%%:*}" ] && models+=(--model "$exp/synth_${run%%:*}" --name "${run#*:}")
  done
  real=()
  if ! $smoke; then
    models+=(--model "${BASELINE:-../../../models/bootstrap-multilingual}" --name shipped)
    # real speakers (the Asterisk prompts, 8 kHz) cloned from a few seconds and speaking every language
    [ -d "$data/asterisk" ] || $speech data prepare asterisk --src /usr/share/asterisk/sounds --out "$data/asterisk"
    real=(--real-manifests "$data/asterisk")
  fi
  $speech tts evaluate "${models[@]}" --manifests "$corpus" "${sizes[@]}" --out "$exp/eval" "${real[@]}" "${asr[@]}"
  # old against new on the same cloned clips, and the target figures
  base=shipped; $smoke && base=adversarial
  $python local/compare_models.py "$base=$exp/eval/$base/results.json" \
    "adversarial_consistency=$exp/eval/adversarial_consistency/results.json" >> "$exp/eval/RESULTS.md"
  if ! $smoke; then  # the smoke corpus is too small to train the judge; its table is a test, not a result
    # an emotion judge the models never saw (prosodic shifts + logistic regression on real clips)
    $python local/prosody_judge.py --corpus "$corpus" "$exp"/eval/*/results.json >> "$exp/eval/RESULTS.md"
    cp "$exp/eval/RESULTS.md" RESULTS.md
  fi
fi

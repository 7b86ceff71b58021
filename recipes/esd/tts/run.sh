#!/usr/bin/env bash
# ESD (Emotional Speech Dataset, Zhou et al. 2021): 10 Mandarin and 10 English speakers, 350
# parallel sentences each in five emotions (neutral, angry, happy, sad, surprise), 16 kHz, ~29 h.
# https://github.com/HLTSingapore/Emotional-Speech-Data (licence: research use; sign the form).
#
#   ./run.sh --corpus-dir "/data/Emotion Speech Dataset"          # all 6 stages, one GPU (conf/tts.yaml)
#   ./run.sh --corpus-dir "/data/Emotion Speech Dataset" --smoke  # every stage, a few utterances, CPU
#   ./run.sh --stage 3 --stop-stage 3 trainer.devices=2           # one stage again, with overrides
#
# Stages and options: recipes/templates/tts.sh. Splits: ESD's own (train; evaluation -> dev; test),
# with the same speakers in each, so the test set checks every trained voice. No held-out voices:
# all 20 speakers are trained (no zero-shot set). Emotion labels train the emotion encoder.
corpus=esd
corpus_title="ESD (Emotional Speech Dataset)"
expected_layout="'Emotion Speech Dataset' (0001/ ... 0020/, each with <id>.txt and one folder per emotion)"
prepare_opts=()
split_opts=(--source train dev test --assign train=train dev=dev test=test)
smoke_split_opts=("${split_opts[@]}" --max-speakers 2 --max-per-speaker 4)
per_voice=3
. "$(dirname "$0")/../../templates/tts.sh" "$@"

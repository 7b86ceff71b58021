#!/usr/bin/env bash
# Fluent Speech Commands (Lugosch et al. 2019): 30,043 English commands from 97 speakers, 16 kHz,
# labelled action / object / location (31 intents). https://fluent.ai/research/fluent-speech-commands/
# (licence: academic research; download after registration).
#
#   ./run.sh --corpus-dir /data/fluent_speech_commands_dataset          # all 5 stages, one GPU
#   ./run.sh --corpus-dir DIR --asr-model ../../bootstrap/slu/exp/asr_en/model   # ASR-initialised encoder
#   ./run.sh --corpus-dir DIR --smoke                                   # every stage, a few utterances, CPU
#
# Stages and options: recipes/templates/slu.sh. Splits: FSC's own (train; valid -> dev; test), whose
# speakers are disjoint. The model predicts the three slots; intent accuracy = all three right.
corpus=fsc
corpus_title="Fluent Speech Commands"
expected_layout="fluent_speech_commands_dataset (data/{train,valid,test}_data.csv, wavs/speakers/)"
prepare_opts=()
split_opts=(--source train dev test --assign train=train dev=dev test=test)
smoke_split_opts=("${split_opts[@]}" --max-speakers 4 --max-per-speaker 6)
. "$(dirname "$0")/../../templates/slu.sh" "$@"

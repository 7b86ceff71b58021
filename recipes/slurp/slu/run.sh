#!/usr/bin/env bash
# SLURP (Bastianelli et al. 2020): 72 k English recordings (headset and far-field, ~58 h) of 18 k
# home-assistant commands, plus 69 k synthetic training recordings; labelled scenario, action
# (intent = scenario_action, 46 in the test set) and entities. https://github.com/pswietojanski/slurp
# (text CC BY 4.0, audio CC BY-NC 4.0).
#
#   ./run.sh --corpus-dir /data/slurp                                   # all 5 stages, one GPU
#   ./run.sh --corpus-dir /data/slurp --asr-model DIR                   # ASR-initialised encoder
#   ./run.sh --corpus-dir /data/slurp --smoke                           # every stage, a few utterances, CPU
#
# --corpus-dir is the SLURP repository folder (dataset/slurp/*.jsonl) with audio/slurp_real/ (and
# audio/slurp_synth/, used for training when present). Stages and options:
# recipes/templates/slu.sh. Splits: SLURP's own (train + train_synthetic -> train; devel -> dev;
# test). The model predicts scenario, action and intent, and the set of entity types; intent
# accuracy counts all four right, and the intent alone is in the per-slot table.
corpus=slurp
corpus_title="SLURP"
expected_layout="slurp (dataset/slurp/{train,devel,test}.jsonl, audio/slurp_real/)"
prepare_opts=()
split_opts=(--source train dev test "train_synthetic?" --assign train=train dev=dev test=test train_synthetic=train)
smoke_split_opts=("${split_opts[@]}" --max-speakers 4 --max-per-speaker 4)
. "$(dirname "$0")/../../templates/slu.sh" "$@"

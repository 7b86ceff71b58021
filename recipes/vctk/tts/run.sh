#!/usr/bin/env bash
# CSTR VCTK 0.92 (Yamagishi et al. 2019): 110 English speakers with various accents, ~400 sentences
# each, 48 kHz (mic2 by default), ~44 h. https://datashare.ed.ac.uk/handle/10283/3443 (CC BY 4.0).
#
#   ./run.sh --corpus-dir /data/VCTK-Corpus-0.92          # all 6 stages, one GPU (conf/tts.yaml)
#   ./run.sh --corpus-dir /data/VCTK-Corpus-0.92 --smoke  # every stage, a few utterances, CPU
#   ./run.sh --stage 3 trainer.max_steps=200000           # resume from stage 3, with overrides
#
# Stages and options: recipes/templates/tts.sh. VCTK comes as one split: stage 1 holds out 8 whole
# speakers (zero-shot voice cloning) and, from every other speaker, 5 sentences for dev and 10 for
# test (the TTS evaluation makes each trained voice speak its own test sentences). Languages are
# en-us (American, Canadian accents) and en-gb (all others), so "cross-lingual" here is cross-accent.
corpus=vctk
corpus_title="CSTR VCTK 0.92"
expected_layout="VCTK-Corpus-0.92 (speaker-info.txt, txt/, wav48_silence_trimmed/)"
prepare_opts=(--mic mic2)
split_opts=(--source all --heldout-speakers 8 --dev-per-speaker 5 --test-per-speaker 10)
smoke_split_opts=(--source all --max-speakers 3 --max-per-speaker 4 --heldout-speakers 1 --dev-per-speaker 1
                  --test-per-speaker 1)
per_voice=3
. "$(dirname "$0")/../../templates/tts.sh" "$@"

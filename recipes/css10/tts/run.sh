#!/usr/bin/env bash
# CSS10 (Park & Mulc 2019): ten single-speaker audiobook corpora, one language each (de, el, es, fi,
# fr, hu, ja, nl, ru, zh), 22.05 kHz, ~140 h. https://github.com/Kyubyong/css10 (CC0).
#
#   ./run.sh --corpus-dir /data/css10                     # all 6 stages, one GPU (conf/tts.yaml)
#   ./run.sh --corpus-dir /data/css10 --ablation          # also the model without the adversarial loss
#   ./run.sh --corpus-dir /data/css10 --smoke             # every stage, a few utterances, CPU
#
# Stages and options: recipes/templates/tts.sh. CSS10 comes as one split: every voice gives 20
# sentences to dev and 20 to test. No voice is held out (each voice is its language's only one), so
# there is no zero-shot set; the cross-lingual set (each voice speaking the nine other languages) is
# the point of this corpus, and --ablation measures what the adversarial loss does for it.
corpus=css10
corpus_title="CSS10 (10 languages)"
expected_layout="css10 (german/, greek/, ... each with transcript.txt)"
prepare_opts=()
split_opts=(--source all --dev-per-speaker 20 --test-per-speaker 20)
smoke_split_opts=(--source all --max-speakers 2 --max-per-speaker 4 --dev-per-speaker 1 --test-per-speaker 1)
per_voice=3
. "$(dirname "$0")/../../templates/tts.sh" "$@"

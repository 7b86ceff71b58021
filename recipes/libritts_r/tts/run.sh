#!/usr/bin/env bash
# LibriTTS-R (Koizumi et al. 2023): LibriTTS with restored sound quality; read English audiobooks,
# 24 kHz. This recipe uses the clean parts: train-clean-100 + train-clean-360 (~245 h, 1,151
# speakers) for training, dev-clean + test-clean (80 other speakers) for zero-shot cloning.
# https://www.openslr.org/141 (CC BY 4.0).
#
#   ./run.sh --corpus-dir /data/LibriTTS_R                # all 6 stages, one GPU (conf/tts.yaml)
#   ./run.sh --corpus-dir /data/LibriTTS_R --smoke        # every stage on dev-clean + test-clean, CPU
#
# Stages and options: recipes/templates/tts.sh. Splits: dev-clean and test-clean speakers are never
# trained (-> heldout); every training speaker gives 1 utterance to dev and 1 to test.
corpus=libritts_r
corpus_title="LibriTTS-R (clean)"
expected_layout="LibriTTS_R (SPEAKERS.txt, train-clean-100/, dev-clean/, ...)"
prepare_opts=(--parts train-clean-100 train-clean-360 dev-clean test-clean)
split_opts=(--source train-clean-100 train-clean-360 dev-clean test-clean --assign dev-clean=heldout
            test-clean=heldout --dev-per-speaker 1 --test-per-speaker 1)
# The smoke run reads only the two small parts: dev-clean plays the training part.
smoke_prepare_opts=(--parts dev-clean test-clean)
smoke_split_opts=(--source dev-clean test-clean --assign test-clean=heldout --max-speakers 2
                  --max-per-speaker 6 --dev-per-speaker 1 --test-per-speaker 1)
per_voice=1
. "$(dirname "$0")/../../templates/tts.sh" "$@"

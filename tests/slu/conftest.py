"""Fixtures of the SLU tests: tiny corpora (tones, flite speech), tiny label sets, tiny BERT and speech models."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from speech.asr.model import ASRConfig, ASRModel
from speech.asr.tokens import CTCConfig, save_vocabulary, vocabulary_from_cuts
from speech.slu.labels import labels_from_cuts, save_labels
from speech.testing.slu_audio import make_command_corpus, make_tone_command_corpus, tiny_encoder_config

from .helpers import WORDS


@pytest.fixture(scope="session")
def tone_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Clearly separable tone commands (FSC schema): train and dev cuts, labels.json, tokens.json."""
    out = tmp_path_factory.mktemp("tones")
    paths = make_tone_command_corpus(out, num_train=32, num_dev=16)
    save_labels(out / "labels.json", labels_from_cuts(paths["train"]))
    save_vocabulary(out / "tokens.json", vocabulary_from_cuts(paths["train"]))
    return {**paths, "labels": out / "labels.json", "tokens": out / "tokens.json", "root": out}


@pytest.fixture(scope="session")
def command_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Spoken commands (flite voices slt/awb/rms for train, kal16 for dev), labels and tokens."""
    out = tmp_path_factory.mktemp("commands")
    paths = make_command_corpus(out, copies=1)
    save_labels(out / "labels.json", labels_from_cuts(paths["train"]))
    save_vocabulary(out / "tokens.json", vocabulary_from_cuts(paths["train"]))
    return {**paths, "labels": out / "labels.json", "tokens": out / "tokens.json", "root": out}


@pytest.fixture(scope="session")
def asr_dir(tmp_path_factory: pytest.TempPathFactory, tone_corpus: dict[str, Path]) -> Path:
    """A saved (randomly initialised) ASR model with the tiny encoder and the tone corpus's tokens."""
    from speech.asr.tokens import load_vocabulary

    _, tokens = load_vocabulary(tone_corpus["tokens"])
    torch.manual_seed(123)
    model = ASRModel(ASRConfig(encoder=tiny_encoder_config(), ctc=CTCConfig(tokens=tokens)))
    return model.save_pretrained(tmp_path_factory.mktemp("asr") / "model")


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random BERT (transformers BertConfig) with a WordPiece tokenizer.json, saved locally."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel

    out = tmp_path_factory.mktemp("tiny_bert")
    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS])}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])]
    )
    tok.save(str(out / "tokenizer.json"))
    torch.manual_seed(7)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(str(out))
    return out


@pytest.fixture(scope="session")
def tiny_wav2vec2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random wav2vec 2.0 model (nothing downloaded), saved locally."""
    from transformers import Wav2Vec2Config, Wav2Vec2Model

    out = tmp_path_factory.mktemp("tiny_w2v2")
    torch.manual_seed(5)
    config = Wav2Vec2Config(
        hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        conv_dim=(8, 8), conv_stride=(5, 4), conv_kernel=(10, 8), num_conv_pos_embeddings=8,
        num_conv_pos_embedding_groups=2, feat_extract_norm="layer", mask_time_prob=0.0,
    )
    Wav2Vec2Model(config).save_pretrained(str(out))
    return out

"""Featurised lhotse cuts -> :class:`~speech.tts.model.TTSBatch`."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch
from lhotse.cut import Cut

from speech.errors import SpeechError
from speech.text.tokenizer import Tokenizer
from speech.tts.config import TTSModelConfig
from speech.tts.model import TTSBatch


class TTSCollate:
    """Tokenises the text and stacks the precomputed features of a list of cuts.

    Args:
        tokenizer: the model's tokenizer (its symbol table ships with the model).
        config: the model config; its ``languages``, ``speakers`` and ``emotions`` give indices.
    """

    def __init__(self, tokenizer: Tokenizer, config: TTSModelConfig) -> None:
        self.tokenizer = tokenizer
        self.config = config
        self._language = {code: i for i, code in enumerate(config.languages)}
        self._speaker = {s: i for i, s in enumerate(config.speakers)}
        self._emotion = {e: i for i, e in enumerate(config.emotions)}

    def _index(self, table: dict[str, int], key: str, what: str, cut_id: str) -> int:
        if key not in table:
            raise SpeechError(f"cut {cut_id}: {what} {key!r} is not in the model's {what}s {sorted(table)}")
        return table[key]

    def __call__(self, cuts: Iterable[Cut]) -> TTSBatch:
        cuts = list(cuts)
        sups = [c.supervisions[0] for c in cuts]
        tokens = self.tokenizer.encode_batch([s.text for s in sups], [s.language for s in sups])
        n_text = max(len(t) for t in tokens)
        mels = [c.load_custom("mel") for c in cuts]  # (T, n_mels)
        n_feats = max(m.shape[0] for m in mels)
        b = len(cuts)
        out = {
            "tokens": torch.zeros(b, n_text, dtype=torch.long),
            "token_languages": torch.zeros(b, n_text, dtype=torch.long),
            "mel": torch.full((b, self.config.audio.n_mels, n_feats), float(np.log(self.config.audio.log_floor))),
            "pitch": torch.zeros(b, n_feats),
            "energy": torch.zeros(b, n_feats),
        }
        for i, (cut, _sup, tok, mel) in enumerate(zip(cuts, sups, tokens, mels)):
            out["tokens"][i, : len(tok)] = torch.tensor(tok.ids)
            out["token_languages"][i, : len(tok)] = torch.tensor(
                [self._index(self._language, lang, "language", cut.id) for lang in tok.languages]
            )
            t = mel.shape[0]
            out["mel"][i, :, :t] = torch.from_numpy(mel.T.copy())
            out["pitch"][i, :t] = torch.from_numpy(cut.load_custom("pitch")[:t])
            out["energy"][i, :t] = torch.from_numpy(cut.load_custom("energy")[:t])
        emotions = [((s.custom or {}).get("emotion") or "neutral") for s in sups]
        return TTSBatch(
            tokens=out["tokens"],
            token_lengths=torch.tensor([len(t) for t in tokens]),
            token_languages=out["token_languages"],
            mel=out["mel"],
            mel_lengths=torch.tensor([m.shape[0] for m in mels]),
            pitch=out["pitch"],
            energy=out["energy"],
            speaker_embedding=torch.tensor(np.stack([np.asarray(c.dvector, dtype=np.float32) for c in cuts])),
            speaker_ids=torch.tensor([self._index(self._speaker, s.speaker, "speaker", c.id) for s, c in zip(sups, cuts)]),
            emotion_ids=torch.tensor([self._index(self._emotion, e, "emotion", c.id) for e, c in zip(emotions, cuts)]),
        )

"""The Asterisk prompts installed from Debian (asterisk-core-sounds-{en,es,fr,it,ru}-wav) as manifests.

The counts were taken from the installed packages (version 1.6.1-1) and pinned: 2,654 usable
prompts, 2.01 h; the rest is not speech (tones, silence), has no transcript, or has an editor's
note in its transcript.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from lhotse.qa import validate_recordings_and_supervisions

from speech.data.corpora import CorpusNotFoundError, CorpusOptionError, prepare_corpus
from speech.data.corpora.asterisk import clean_transcript
from speech.data.corpora.base import PreparedCorpus
from speech.data.manifests import load_manifests

SOUNDS = Path("/usr/share/asterisk/sounds")
PER_LANGUAGE = {"en-us": 549, "es": 478, "fr": 506, "it": 568, "ru": 553}
SPEAKERS = {"asterisk_allison": "f", "asterisk_june": "f", "asterisk_carlo": "m", "asterisk_ivrvoiceru": "f"}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> PreparedCorpus:
    return prepare_corpus("asterisk", SOUNDS, tmp_path_factory.mktemp("asterisk"), num_jobs=2)


def test_counts_languages_and_speakers(prepared: PreparedCorpus) -> None:
    sups = prepared.splits["all"].supervisions
    assert Counter(s.language for s in sups) == PER_LANGUAGE
    assert prepared.speakers == set(SPEAKERS)
    assert {s.speaker: s.gender for s in sups} == SPEAKERS
    # One professional voice speaks the en and the es prompts (the folder names say Allison).
    assert {s.language for s in sups if s.speaker == "asterisk_allison"} == {"en-us", "es"}
    hours = sum(s.duration for s in sups) / 3600
    assert 1.9 < hours < 2.1
    reasons = Counter(item.reason.split(":")[0] for item in prepared.skipped)
    assert reasons == {"no transcript for this prompt": 89, "not speech": 58, "editor's note in the transcript": 23,
                       "empty transcript": 7}


def test_manifests_validate_and_carry_the_8khz_band(prepared: PreparedCorpus) -> None:
    recordings, supervisions = (m.to_eager() for m in load_manifests(prepared.out_dir, "asterisk", "all"))
    validate_recordings_and_supervisions(recordings, supervisions)
    assert len(recordings) == len(supervisions) == sum(PER_LANGUAGE.values())
    assert {r.sampling_rate for r in recordings} == {8000}
    assert {s.custom["sample_rate"] for s in supervisions} == {8000}
    sup = supervisions["asterisk_en_US_agent-pass"]
    assert sup.text == "Please enter your password followed by the pound key."
    assert (sup.custom["locale"], sup.custom["voice"], sup.custom["prompt"]) == ("en_US", "en_US_f_Allison", "agent-pass")
    assert Path(recordings[sup.recording_id].sources[0].source) == SOUNDS / "en_US_f_Allison" / "agent-pass.wav"
    assert supervisions["asterisk_es_MX_agent-pass"].text.startswith("Por favor ingrese su contrasena")
    # digits/1F.wav is "digits/1f" in the Spanish transcripts; a bracketed symbol is dropped.
    assert supervisions["asterisk_es_MX_digits_1F"].text == "una"
    assert supervisions["asterisk_en_US_letters_dash"].text == "dash"
    # The Russian line that repeats its key keeps only the text.
    assert supervisions["asterisk_ru_RU_conf-adminmenu"].text.startswith("Нажмите 1")


def test_languages_option_and_one_voice_folder(tmp_path: Path) -> None:
    result = prepare_corpus("asterisk", SOUNDS, tmp_path / "it", languages=["it"])
    assert result.languages == {"it"} and result.num_utterances == PER_LANGUAGE["it"]
    one = prepare_corpus("asterisk", SOUNDS / "fr_CA_f_June", tmp_path / "fr")
    assert one.languages == {"fr"} and one.num_utterances == PER_LANGUAGE["fr"]
    with pytest.raises(CorpusOptionError, match="de not in"):
        prepare_corpus("asterisk", SOUNDS, tmp_path / "de", languages=["de"])


def test_missing_transcripts_name_the_package(tmp_path: Path) -> None:
    voice = tmp_path / "sounds" / "de_DE_f_Anna"
    voice.mkdir(parents=True)
    shutil.copy(SOUNDS / "en_US_f_Allison" / "agent-pass.wav", voice / "agent-pass.wav")
    with pytest.raises(CorpusNotFoundError, match="asterisk-core-sounds-de"):
        prepare_corpus("asterisk", tmp_path / "sounds", tmp_path / "out")
    (tmp_path / "tr").mkdir()
    (tmp_path / "tr" / "core-sounds-de.txt").write_text(
        "; comment\nagent-pass: Bitte geben Sie Ihr Passwort ein.\nthis line has no colon\n", encoding="utf-8"
    )
    result = prepare_corpus("asterisk", tmp_path / "sounds", tmp_path / "out", transcripts_dir=tmp_path / "tr")
    assert [s.text for s in result.splits["all"].supervisions] == ["Bitte geben Sie Ihr Passwort ein."]
    assert [item.reason[:7] for item in result.skipped] == ["line 3:"]
    with pytest.raises(CorpusNotFoundError, match="no voice folder"):
        prepare_corpus("asterisk", tmp_path / "tr", tmp_path / "out2")


@pytest.mark.parametrize(("text", "expected"), [
    ("[ascending tones]", None),
    ("(beep)", None),
    ("dash [-]", "dash"),
    ("Il [suo] messaggio è stato salvato.", None),
    ("  ", None),
    ("Agent  logged in.", "Agent logged in."),
])
def test_clean_transcript(text: str, expected: str | None) -> None:
    assert clean_transcript(text)[0] == expected

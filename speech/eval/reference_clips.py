"""Synthesise small reference sets with the system's flite and festival voices.

Used to fit the default prosody z-score statistics shipped in ``speech/eval/data`` (see
``prosody_stats.README.txt`` there) and by the tests, which need real speech made at test time.
Each voice speaks one language; the sentences mix statements, questions and exclamations so
that the statistics see falling and rising contours.

Voices need the Debian packages ``flite``, ``festival`` and the ``festvox-*`` voices; a missing
program or voice raises :class:`~speech.errors.BackendUnavailableError`. The programs are called through
:func:`speech.data.bootstrap.engines.say`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Voice:
    """A system voice.

    Attributes:
        name: voice id (``slt`` for flite, ``kal_diphone`` for festival).
        engine: ``"flite"`` or ``"festival"``.
        language: canonical language code of :mod:`speech.text.languages`.
        encoding: text encoding festival expects for this voice.
    """

    name: str
    engine: str
    language: str
    encoding: str = "utf-8"

    @property
    def speaker(self) -> str:
        return f"{self.engine}_{self.name}"


VOICES: tuple[Voice, ...] = (
    Voice("kal16", "flite", "en-us"),
    Voice("awb", "flite", "en-us"),
    Voice("rms", "flite", "en-us"),
    Voice("slt", "flite", "en-us"),
    Voice("ked_diphone", "festival", "en-us"),
    Voice("cmu_us_slt_arctic_hts", "festival", "en-us"),
    Voice("hindi_NSK_diphone", "festival", "hi"),
    Voice("marathi_NSK_diphone", "festival", "mr"),
    Voice("telugu_NSK_diphone", "festival", "te"),
    Voice("lp_diphone", "festival", "it", "latin-1"),
    Voice("pc_diphone", "festival", "it", "latin-1"),
    Voice("upc_ca_ona_hts", "festival", "ca", "latin-1"),
    Voice("suo_fi_lj_diphone", "festival", "fi", "latin-1"),
    Voice("hy_fi_mv_diphone", "festival", "fi", "latin-1"),
    Voice("czech_dita", "festival", "cs", "iso-8859-2"),
    Voice("czech_ph", "festival", "cs", "iso-8859-2"),
    Voice("msu_ru_nsh_clunits", "festival", "ru"),
)

SENTENCES: dict[str, tuple[str, ...]] = {
    "en-us": (
        "Could you turn the lights off in the kitchen, please?",
        "The weather in the mountains changes quickly, so bring a warm coat.",
        "I never said she took the money!",
        "We met at the station, and then we walked to the old bridge.",
        "Really? You finished the whole book in one night?",
        "Please set an alarm for seven thirty tomorrow morning.",
        "Well, I suppose that could work, if everyone agrees.",
        "The museum opens at nine, but the tickets sell out early.",
        "Do you want tea or coffee with your breakfast?",
        "That was the best concert I have ever been to!",
        "Turn left at the next corner and keep going for two blocks.",
        "Honestly, I have no idea where I left my keys.",
    ),
    "hi": (
        "नमस्ते, आप कैसे हैं?",
        "मैं आज बाज़ार जा रहा हूँ।",
        "क्या आप मेरे साथ चाय पिएँगे?",
        "कल बहुत बारिश हुई थी।",
        "यह किताब बहुत अच्छी है!",
        "कृपया रसोई की बत्ती बंद कर दीजिए।",
        "हम स्टेशन पर मिले और फिर पुल तक पैदल गए।",
        "आपका घर यहाँ से कितनी दूर है?",
        "मुझे नहीं पता कि मेरी चाबियाँ कहाँ हैं।",
        "संग्रहालय सुबह नौ बजे खुलता है।",
        "वाह, यह तो बहुत सुंदर गाना है!",
        "अगले मोड़ पर बाएँ मुड़िए।",
    ),
    "mr": (
        "नमस्कार, तुम्ही कसे आहात?",
        "मी आज बाजारात जात आहे.",
        "तुम्ही माझ्याबरोबर चहा घ्याल का?",
        "काल खूप पाऊस पडला.",
        "हे पुस्तक खूप छान आहे!",
        "कृपया स्वयंपाकघरातील दिवा बंद करा.",
        "आम्ही स्टेशनवर भेटलो आणि मग पुलापर्यंत चालत गेलो.",
        "तुमचे घर इथून किती लांब आहे?",
        "माझ्या चाव्या कुठे आहेत ते मला माहीत नाही.",
        "संग्रहालय सकाळी नऊ वाजता उघडते.",
        "अरे वा, हे गाणे खूप सुंदर आहे!",
        "पुढच्या वळणावर डावीकडे वळा.",
    ),
    "te": (
        "నమస్కారం, మీరు ఎలా ఉన్నారు?",
        "నేను ఈ రోజు బజారుకు వెళ్తున్నాను.",
        "మీరు నాతో టీ తాగుతారా?",
        "నిన్న చాలా వర్షం పడింది.",
        "ఈ పుస్తకం చాలా బాగుంది!",
        "దయచేసి వంటగదిలో లైటు ఆపండి.",
        "మేము స్టేషన్‌లో కలిశాము, తర్వాత వంతెన వరకు నడిచాము.",
        "మీ ఇల్లు ఇక్కడి నుండి ఎంత దూరం?",
        "నా తాళాలు ఎక్కడ పెట్టానో నాకు తెలియదు.",
        "మ్యూజియం ఉదయం తొమ్మిది గంటలకు తెరుస్తారు.",
        "అబ్బ, ఈ పాట చాలా అందంగా ఉంది!",
        "తర్వాతి మలుపులో ఎడమవైపు తిరగండి.",
    ),
    "it": (
        "Ciao, come stai oggi?",
        "Domani andiamo al mercato a comprare la frutta.",
        "Puoi spegnere la luce in cucina, per favore?",
        "Non ho mai detto che ha preso i soldi!",
        "Ci siamo incontrati alla stazione e poi abbiamo camminato fino al ponte.",
        "Davvero? Hai finito tutto il libro in una notte?",
        "Il museo apre alle nove, ma i biglietti finiscono presto.",
        "Vuoi un caffè o un tè con la colazione?",
        "È stato il concerto più bello della mia vita!",
        "Alla prossima curva gira a sinistra e continua dritto.",
        "Sinceramente non so dove ho lasciato le chiavi.",
        "Beh, potrebbe funzionare, se siamo tutti d'accordo.",
    ),
    "ca": (
        "Hola, com estàs avui?",
        "Demà anirem al mercat a comprar fruita.",
        "Pots apagar el llum de la cuina, si us plau?",
        "Mai no he dit que ella va agafar els diners!",
        "Ens vam trobar a l'estació i després vam caminar fins al pont.",
        "De debò? Has acabat tot el llibre en una nit?",
        "El museu obre a les nou, però les entrades s'esgoten aviat.",
        "Vols cafè o te per esmorzar?",
        "Ha estat el millor concert de la meva vida!",
        "A la propera cantonada gira a l'esquerra.",
        "Sincerament, no sé on he deixat les claus.",
        "Bé, podria funcionar, si tothom hi està d'acord.",
    ),
    "fi": (
        "Hei, mitä sinulle kuuluu tänään?",
        "Huomenna menemme torille ostamaan hedelmiä.",
        "Voisitko sammuttaa keittiön valot?",
        "En koskaan sanonut, että hän otti rahat!",
        "Tapasimme asemalla ja kävelimme sitten vanhalle sillalle.",
        "Oikeasti? Luit koko kirjan yhdessä yössä?",
        "Museo aukeaa yhdeksältä, mutta liput loppuvat nopeasti.",
        "Haluatko teetä vai kahvia aamiaiseksi?",
        "Se oli paras konsertti, jossa olen koskaan käynyt!",
        "Käänny seuraavasta kulmasta vasemmalle.",
        "En rehellisesti sanottuna tiedä, minne jätin avaimeni.",
        "No, se voisi toimia, jos kaikki ovat samaa mieltä.",
    ),
    "cs": (
        "Ahoj, jak se dnes máš?",
        "Zítra půjdeme na trh koupit ovoce.",
        "Mohl bys prosím zhasnout světlo v kuchyni?",
        "Nikdy jsem neřekl, že vzala ty peníze!",
        "Potkali jsme se na nádraží a pak jsme šli pěšky ke starému mostu.",
        "Opravdu? Přečetl jsi celou knihu za jednu noc?",
        "Muzeum otevírá v devět, ale vstupenky se rychle vyprodají.",
        "Chceš k snídani čaj nebo kávu?",
        "To byl ten nejlepší koncert, na kterém jsem kdy byl!",
        "Na příštím rohu zahni doleva.",
        "Upřímně nevím, kde jsem nechal klíče.",
        "No, mohlo by to fungovat, pokud budou všichni souhlasit.",
    ),
    "ru": (
        "Привет, как у тебя дела сегодня?",
        "Завтра мы пойдём на рынок за фруктами.",
        "Ты не мог бы выключить свет на кухне?",
        "Я никогда не говорил, что она взяла деньги!",
        "Мы встретились на вокзале и потом пошли пешком к старому мосту.",
        "Правда? Ты прочитал всю книгу за одну ночь?",
        "Музей открывается в девять, но билеты быстро заканчиваются.",
        "Хочешь чай или кофе на завтрак?",
        "Это был лучший концерт в моей жизни!",
        "На следующем углу поверни налево.",
        "Честно говоря, я не знаю, где оставил ключи.",
        "Ну, это может сработать, если все согласятся.",
    ),
}


def synthesize(voice: Voice, text: str, out_path: str | Path) -> Path:
    """Speak ``text`` with ``voice`` into a 16-bit WAV file at the voice's own rate (written atomically).

    The engines are :func:`speech.data.bootstrap.engines.say`'s (``speech.data`` is in the same
    layer as ``speech.eval``), so flite and festival are called in one place.

    Raises:
        BackendUnavailableError: the engine or the voice is not installed.
        RuntimeError: the engine failed or wrote no audio.
        ValueError: ``voice.engine`` is neither flite nor festival.
    """
    from speech.audio.io import save_audio
    from speech.data.bootstrap.engines import say

    wav, sample_rate = say(voice.engine, voice.name, text, encoding=voice.encoding)
    return save_audio(out_path, wav, sample_rate)


def synthesize_reference_set(
    out_dir: str | Path,
    voices: tuple[Voice, ...] = VOICES,
    sentences: dict[str, tuple[str, ...]] = SENTENCES,
) -> list[dict[str, str]]:
    """Synthesise every sentence of each voice's language; skip files that already exist.

    Returns:
        One record per clip: ``{"path", "speaker", "language", "text"}``.
    """
    from tqdm import tqdm

    out = Path(out_dir)
    jobs = [(v, i, t) for v in voices for i, t in enumerate(sentences[v.language])]
    records = []
    for voice, i, text in tqdm(jobs, desc="synthesising", unit="clip"):
        path = out / voice.speaker / f"{voice.speaker}_{i:02d}.wav"
        if not path.exists():
            synthesize(voice, text, path)
        records.append({"path": str(path), "speaker": voice.speaker, "language": voice.language, "text": text})
    return records

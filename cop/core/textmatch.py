"""Plain Dutch text matching: accent-insensitive normalisation, tokens and a stop-word list.

Why no NLP package: the texts are short (a help question, a practice's title and lessons
learned) and people need to see *why* two texts match. Lower-casing, stripping accents
and apostrophes, dropping common Dutch function words and a light plural strip
("oevers" ~ "oever", "bermen" ~ "berm") find the shared content words without a
language model, are deterministic and can be explained as "shares the words ...".

Examples
--------
>>> normalise("'s-Hertogenbosch")
's hertogenbosch'
>>> normalise("Súdwest-Fryslân")
'sudwest fryslan'
>>> sorted(tokens("Hoe verdelen jullie het onderhoud van oevers met het waterschap?"))
['oever', 'onderhoud', 'verdel', 'waterschap']
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = "'’‘`´"
_NON_WORD = re.compile(r"[^a-z0-9]+")
MIN_TOKEN_LENGTH = 3

# Common Dutch function words plus question words and the verbs that open a help question;
# they say nothing about the subject, so they never count as a shared word.
_STOP_WORD_TEXT = """
    aan al alle alleen als altijd andere ben bij dan dat de der deze die dit doch doen door
    dus een eens en er ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun
    iemand iets ik in is ja je jij jou jouw jullie kan kon kun kunnen maar me meer men met mij
    mijn moet moeten na naar niet niets nog nu of om omdat onder ons onze ook op over reeds
    te tegen toch toen tot u uit uw van veel voor waar waarom wanneer want waren was wat we
    wel welk welke werd wie wij wil willen worden wordt zal ze zelf zich zij zijn zo zonder
    zou zouden krijgen krijg gaan gaat houden doet hebt heeft weten weet ervaring ervaringen
    jaar jaren eerste goed goede best beste hoeveel zoals tussen binnen via per mee
    daar elkaar toe af steeds dezelfde ander
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORD_TEXT.split())


def normalise(text: object) -> str:
    """Lower case without accents, apostrophes or punctuation; words separated by one space.

    Apostrophes are removed (not turned into spaces), so "'s-Gravenhage" becomes
    "s gravenhage" and "wadi's" becomes "wadis".
    """
    if text is None or (isinstance(text, float) and text != text):
        return ""
    value = str(text).lower()
    for mark in _APOSTROPHES:
        value = value.replace(mark, "")
    if value.isascii():  # nothing to decompose (most texts): skip the per-character pass
        return _NON_WORD.sub(" ", value).strip()
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", value).strip()


def stem(word: str) -> str:
    """A light Dutch plural strip so singular and plural forms meet ("tegels" ~ "tegel")."""
    if len(word) >= 6 and word.endswith("en"):
        return word[:-2]
    if len(word) >= 5 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokens(text: object) -> set[str]:
    """The content words of ``text``: normalised, without stop words, numbers or short words.

    Worked out per whitespace-separated chunk, each distinct chunk once (normalising never
    joins or splits across whitespace, so the result is the same): tens of thousands of
    practice texts share a vocabulary of a few thousand words.
    """
    if text is None or (isinstance(text, float) and text != text):
        return set()
    out: set[str] = set()
    for chunk in str(text).split():
        out.update(_chunk_tokens(chunk))
    return out


@lru_cache(maxsize=1 << 16)
def _chunk_tokens(chunk: str) -> tuple[str, ...]:
    found = []
    for word in normalise(chunk).split():
        if len(word) < MIN_TOKEN_LENGTH or word.isdigit() or word in STOP_WORDS:
            continue
        stemmed = stem(word)
        if stemmed not in STOP_WORDS:
            found.append(stemmed)
    return tuple(found)

"""The wording of a step reduced to words, and how close two wordings are.

`words` is what "the same text" means for diff: lower case, camelCase and
`_ - . :` split, plurals made singular, punctuation dropped, so that
`notify shelve.start` and `notify: shelve.start`, or `task_state=SHELVING` and
`task_state = SHELVING`, are equal. `similarity` scores two different
wordings from 0 (nothing shared) to 1 (the same content words).
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

# Little words that say nothing about which step it is; ignored by
# `similarity` (but not by `words`: equal wordings must agree on them too).
_STOP = frozenset("a an the of to by for from in on at with and or is are be if it its "
                  "this that as into".split())
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z]{2,})")  # getHTTPServer, UUIDs
_WORD = re.compile(r"[A-Za-z0-9]+")
_CLOSE = 0.8  # two words this alike (pause / unpause) count as partly shared


@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    """Normalised words of `text`: `getInstance_by-UUIDs:` -> ('get', 'instance', 'by', 'uuid')."""
    text = text.replace("\\n", " ")
    out: list[str] = []
    for chunk in _WORD.findall(text):
        out += [singular(w.lower()) for w in _CAMEL.split(chunk) if w]
    return tuple(out)


def singular(word: str) -> str:
    """English plural to singular by the common rules; short words and `-ss`/`-us`/`-is` kept."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    return word[:-1]


def similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Dice overlap of the content words, where alike words (`pause`/`unpause`) share partly."""
    ca, cb = _content(a), _content(b)
    if not ca or not cb:
        return 1.0 if ca == cb else 0.0
    shared = 0.0
    rest = list(cb)
    for word in ca:
        if word in rest:
            rest.remove(word)
            shared += 1.0
            continue
        best, where = _closest(word, rest)
        if best >= _CLOSE:
            rest.pop(where)
            shared += best
    return 2 * shared / (len(ca) + len(cb))


def _content(ws: tuple[str, ...]) -> list[str]:
    kept = [w for w in ws if w not in _STOP]
    return kept or list(ws)


def _closest(word: str, pool: list[str]) -> tuple[float, int]:
    best, where = 0.0, -1
    for i, other in enumerate(pool):
        if len(word) >= 4 and len(other) >= 4:
            score = _ratio(word, other)
            if score > best:
                best, where = score, i
    return best, where


@lru_cache(maxsize=65536)
def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()

"""Surnames no other test uses, so tests sharing one runtime never meet each other's leads as duplicates.

A random hex suffix is not enough: phonetic codes drop digits, so `Smith3fa2` and `Smith9bc1` sound alike."""

from __future__ import annotations

import secrets

_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"


def unique_surname() -> str:
    return "".join(secrets.choice(_CONSONANTS) + secrets.choice(_VOWELS) for _ in range(5)).capitalize()

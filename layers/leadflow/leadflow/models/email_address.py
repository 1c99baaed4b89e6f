"""Which email addresses leadflow accepts from a client: valid syntax, one spelling per mailbox, no lookalikes.

A person is keyed on their canonical email and an account on its domain, so two spellings of one address would split
a person, and an address that imitates another would join or create a lookalike account. Compatibility forms
(fullwidth letters and at-sign, ligatures) are folded by NFKC to the address they stand for; an address that
only looks like another one is refused: letters of two scripts in one label (`paypal.com` with a Cyrillic `a`), or an
address written wholly in letters that imitate Latin ones (`apple.com` in Cyrillic). Browsers show such domains
as punycode for the same reason. Genuine internationalised addresses (`info@bücher.de`, `иван@почта.рф`) stay valid.
"""

from __future__ import annotations

import re
import unicodedata

# Cyrillic and Greek letters that look like Latin ones in common fonts (the part of Unicode's confusables that
# lookalike domains are made of), mapped to the letter they imitate. Escaped: the letters themselves would look
# like the Latin ones here too.
_LATIN_LOOKALIKES = str.maketrans(
    # Cyrillic a e o p c y x i j s d l h q w v, then A B E K M H O P C T X I J S
    "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u0458\u0455\u0501\u04cf\u04bb\u051b\u051d\u0475"
    "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425\u0406\u0408\u0405"
    # Greek o a v i k p t u x c j, then A B E Z H I K M N O P T Y X
    "\u03bf\u03b1\u03bd\u03b9\u03ba\u03c1\u03c4\u03c5\u03c7\u03f2\u03f3"
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7",
    "aeopcyxijsdlhqwvABEKMHOPCTXIJSoavikptuxcjABEZHIKMNOPTYX",
)
# Scripts that legitimately share one label: Japanese mixes Han, Hiragana, Katakana and Latin; Chinese Han,
# Bopomofo and Latin; Korean Han, Hangul and Latin (the same sets browsers allow in one domain label).
_SCRIPTS_THAT_MIX = (
    frozenset({"LATIN", "CJK", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "CJK", "BOPOMOFO"}),
    frozenset({"LATIN", "CJK", "HANGUL"}),
)
_DISPLAY_NAME = re.compile(r"\s*[^<>]*<\s*([^<>]+?)\s*>\s*")


def nfkc(text: str) -> str:
    """Compatibility forms folded: fullwidth letters and at-signs become ASCII, ligatures their letters."""
    return unicodedata.normalize("NFKC", text)


def _script(char: str) -> str | None:
    """The script of a letter, by the first word of its Unicode name (LATIN, CYRILLIC, GREEK, CJK, ...)."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else None


def lookalike_problem(address: str) -> str | None:
    """Why `address` (NFKC-folded, without display name) imitates another address, or None when it does not."""
    local, _, domain = address.rpartition("@")
    for part in (local, *domain.split(".")):
        scripts = {script for char in part if (script := _script(char)) is not None}
        if len(scripts) > 1 and not any(scripts <= allowed for allowed in _SCRIPTS_THAT_MIX):
            mixed = " and ".join(sorted(name.title() for name in scripts))
            return f"{part[:64]!r} mixes {mixed} letters, which makes it a lookalike of another address"
    skeleton = address.translate(_LATIN_LOOKALIKES)
    if skeleton != address and skeleton.isascii():
        return f"is written in letters that imitate {skeleton[:254]!r}: a lookalike address"
    return None


def bare_address(value: str) -> str:
    """`Ada Lovelace <ada@example.com>` is how mail clients paste addresses: the address inside."""
    match = _DISPLAY_NAME.fullmatch(value)
    return match.group(1) if match else value


def checked_email(value: str) -> str:
    """The address as leadflow keeps it (NFKC-folded, display name and all); ValueError saying what is wrong."""
    # Imported on the first address checked: a function that never validates one (most read stored leads, whose
    # addresses were checked when they came in) does not load it on its cold start.
    from email_validator import EmailNotValidError, validate_email

    folded = nfkc(value)
    address = bare_address(folded).strip()
    try:
        # Syntax only: a DNS lookup on the request path would make intake slow and flaky.
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from exc
    problem = lookalike_problem(address)
    if problem is not None:
        raise ValueError(problem)
    return folded

"""Redaction of personal data from consented comments before they are published."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import NamedTuple

import phonenumbers
from stdnum import iban, luhn

# The published marker for each kind; the order is the tie-break between equally long spans
# (most specific first), so an IBAN beats the account digits inside it.
MARKERS = {
    "email": "[email removed]",
    "iban": "[IBAN removed]",
    "card": "[card number removed]",
    "phone": "[phone removed]",
    "address": "[address removed]",
    "account": "[account number removed]",
}
KINDS = tuple(MARKERS)
SEARCH_ROUNDS = 3  # searches of the text, each with what the last one found masked

_NUL = "\x00"  # no rule matches it: not a digit, letter, space or separator

# Regions whose national formats are tried; a number written with +country code is found in any.
PHONE_REGIONS = ("GB", "US", "IE", "DE", "FR", "ES", "NL", "NO")
# "possible-dialled" keeps what libphonenumber finds valid, plus possible numbers written as
# dialled (+country code, a trunk 0 or an (area code)) or right after a phone word; fictional
# numbers (Ofcom 07700 900xxx, US 555-01xx) are possible but not valid.
PHONE_POLICIES = ("valid", "possible", "possible-dialled")
PHONE_POLICY = "possible-dialled"
MIN_PHONE_DIGITS = 7
MIN_TRUNK_PHONE_DIGITS = 9  # "0" + national number: shorter runs are references, not phones
MIN_ACCOUNT_DIGITS = 8  # a bare digit run this long is account-like whatever it is
MIN_CUED_ACCOUNT_DIGITS = 6  # after "account", "sort code", "policy number"...
CARD_DIGITS = (13, 19)
# Written in groups, a card number is 4-4-4-4(-3), 4-6-5 or 4-6-4: a first group of 4, then
# groups of 4-6, the last of at most 6.
CARD_FIRST_GROUP = 4
CARD_GROUP = range(4, 7)
# Cards are found in order of their first digit group; a window of at most 19 digits in groups
# of 4 or more overlaps only those a few groups either side of it.
_CARD_NEIGHBOURS = 16
IBAN_CHARS = (15, 34)
CUE_WINDOW = 30  # characters before a number that may hold its cue word
MAX_GLUED_TRIES = 200  # retries for numbers glued to their neighbours, per text

_EMAIL = re.compile(
    # The lookbehind starts a match only at the start of a run of local-part characters, so a
    # long run without "@" is scanned once, not once per position.
    r"(?<![\w.!#$%&'*+/=?^`{|}~-])"
    r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*"
    r"(?:@|\s?[\[(]\s?at\s?[\])]\s?)"
    r"[^\W_](?:[\w-]{0,61}[^\W_])?"
    r"(?:(?:\.|\s?[\[(]\s?dot\s?[\])]\s?)[^\W_](?:[\w-]{0,61}[^\W_])?)*"
    r"(?:\.|\s?[\[(]\s?dot\s?[\])]\s?)[^\W\d_]{2,63}(?![\w-])",
    re.IGNORECASE,
)
_VALID = phonenumbers.Leniency.VALID
# What every rule needs: a digit (phones, cards, accounts, IBANs, addresses, postcodes), or an @
# or an "(at)" (e-mail addresses). ASCII text without any is not searched; other text always
# is (its digits are more than 0-9: "\d" and str.isdigit know others).
_CUES = re.compile(r"[0-9@]|[\[(]\s?at\s?[\])]", re.IGNORECASE)
_NUMBER_START = re.compile(r"(?<![\w.,+(/-])[+(]?\d")
_NUMBER_RUN = re.compile(r"[+(]?\d[\d().\-/]{0,20}(?: [(]?\d[\d().\-/]{0,20}){0,5}")
_IBAN_START = re.compile(r"(?<![^\W_])[A-Za-z]{2}\d{2}")
_DIGIT_GROUPS = re.compile(r"\d+(?:[ -]\d+)*")
_DIGIT_RUN = re.compile(rf"(?<!\d)\d{{{MIN_ACCOUNT_DIGITS},}}(?!\d)")
_SORT_CODE_ACCOUNT = re.compile(r"(?<![\d-])\d{2}([- ])\d{2}\1\d{2}[ ,/]{1,3}\d{8}(?!\d)")
# "account number:", "sort code", "Kundennummer" ... right before a number announce it. The
# lookbehind keeps the markers' own words ("[account number removed]") from counting as cues.
_ACCOUNT_LEAD = (
    r"(?<!\[)\b(?:(?:bank\s+)?account|acct|a/c|sort[\s-]?code|customer|membership|member|policy|"
    r"contract|meter|Kundennummer|Kontonummer|Konto|compte|cuenta|rekeningnummer|klantnummer)"
    r"(?:\s+(?:number|no\.?|num|nr\.?|#|id|ref|code|is|was|:))*\s*[:#]?\s*"
)
_ACCOUNT_ANNOUNCED = re.compile(_ACCOUNT_LEAD + r"$", re.IGNORECASE)
_ACCOUNT_CUE = re.compile(
    _ACCOUNT_LEAD
    + r"(\d{2}([ -])\d{2}\2\d{2}(?![ -]?\d)|\d+(?:[-./]\d+)*(?: \d{3,}(?:[-./]\d+)*)*)",
    re.IGNORECASE,
)
# "call me on", "my number is", "Telefon:" right before a number announce it as a phone.
_PHONE_ANNOUNCED = re.compile(
    r"(?<!\[)\b(?:call(?:ed|ing)?|ring|rang|phoned?|tel|telephone|mobile|cell|landline|texts?|"
    r"texted|whatsapp|fax|my number|contact number|reach me|Handy|Telefon(?:nummer)?|Rufnummer|"
    r"t[ée]l[ée]phone|portable|joindre|tel[ée]fono|m[óo]vil|llamar|telefoon|mobiel|bel)"
    r"(?:\s+(?:me|us|back|from|on|at|is|was|number|no\.?|nr\.?|to|via|au|op|al|unter|an|mich|"
    r"es|ist|me back))*\s*[:.]?\s*$",
    re.IGNORECASE,
)

_UK_POSTCODE = r"(?:GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})"
_UK_POSTCODE_ALONE = re.compile(rf"(?<![\w-]){_UK_POSTCODE}(?![\w-])")
_CAP = r"[A-ZÀ-ÖØ-Þ][\w'\u2019.-]{0,30}"  # a capitalised word, bounded so matching stays linear
_LOW = r"[a-zà-öø-ÿ][\w'\u2019-]{0,30}"
_HOUSE_NUMBER = r"\d{1,5}[A-Za-z]?(?:[-\u2013/]\d{1,5}[A-Za-z]?)?"
_EN_TYPES = (
    r"Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Way|Close|Court|Ct|Crescent|Cres|Place|Pl|"
    r"Terrace|Gardens|Gdns|Grove|Square|Sq|Boulevard|Blvd|Parkway|Pkwy|Highway|Hwy|Mews|Row|"
    r"Walk|Rise|Hill|Circle|Cir|Trail|Parade|Quay|Wharf|Embankment"
)
_EN_TAIL = (
    r"(?:\.(?=[\s,]))?(?:\s+(?:N|S|E|W|NE|NW|SE|SW)\b)?"
    r"(?:,?\s+(?:Apt|Apartment|Unit|Suite|Flat)\.?\s*#?\w{1,5})?"
    # town and postcode, kept only when a postcode follows
    rf"(?:,?\s+(?:{_CAP}(?:\s+{_CAP})?,?\s+)?"
    rf"(?:{_UK_POSTCODE}|[A-Z]{{2}}\s+\d{{5}}(?:-\d{{4}})?)(?![\w-]))?"
)
# A street named as a place ("the 2 Oxford Street stores") is not somebody's address.
_VENUE = (
    r"(?!\s+(?:stores?|shops?|branch(?:es)?|offices?|stations?|locations?|outlets?|sites?|"
    r"depots?|hotels?|restaurants?|caf[eé]s?|pubs?|banks?|venues?|cent(?:re|er)s?|clinics?)\b)"
)
_FLAT = r"(?:(?:Flat|Apt\.?|Apartment|Unit|Suite)\s+#?\w{1,5},?\s+)?"
_ADDRESSES = [
    # 221B Baker Street, London NW1 6XE / 1600 Pennsylvania Avenue NW
    re.compile(
        rf"(?<![\w/.,:£$€-]){_FLAT}{_HOUSE_NUMBER},?\s+(?:{_CAP}\s+){{1,4}}"
        rf"(?:{_EN_TYPES})\b{_VENUE}{_EN_TAIL}"
    ),
    # lower-case English after an address cue: "i live at 12 baker street"
    re.compile(
        r"(?i:\b(?:live|living|lives|lived|moved|deliver(?:ed)?|sent|send|address(?: is)?)"
        rf"(?:\s+(?:at|to|is))?:?\s+)({_FLAT}{_HOUSE_NUMBER},?\s+(?:{_LOW}\s+){{1,3}}"
        rf"(?i:{_EN_TYPES})\b){_EN_TAIL}",
    ),
    # Hauptstraße 5, Karl-Marx-Str. 12, Berliner Straße 12, Kerkstraat 12, 10115 Berlin
    re.compile(
        r"(?<![\w-])(?:[A-ZÄÖÜ][\w-]{0,30}?(?i:straße|strasse|str\.|weg|allee|platz|gasse|damm|"
        r"ufer|straat|laan|gracht|kade|plein|dijk|singel|steeg)"
        r"|[A-ZÄÖÜ][\w-]{0,30}\s+(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|Damm))"
        r"\s+\d{1,3}[a-zA-Z]?(?![\w-])"
        r"(?:,?\s+(?:\d{5}|\d{4}\s?[A-Z]{2})\s+[A-ZÄÖÜ][\w-]{0,30})?"
    ),
    # 12 rue de la Paix, 75002 Paris / 3, avenue des Champs-Élysées
    re.compile(
        r"(?<![\w/.,:£$€-])\d{1,4}(?:\s?(?:bis|ter))?,?\s+"
        r"(?i:rue|avenue|av\.|boulevard|bd|place|all[ée]e|chemin|impasse|quai|cours|route)\s+"
        r"(?:(?:de\s+la|de\s+l'|des|du|de|d'|la|le|les|l')\s*)?"
        rf"{_CAP}(?:\s+(?:(?:de|du|des|la|le)\s+)?{_CAP}){{0,3}}"
        r"(?:,?\s+\d{5}\s+[A-ZÀ-Þ][\w'-]{0,30})?"
    ),
    # Calle Mayor 5, 3º B, 28013 Madrid / C/ Alcalá 23 / Paseo de la Castellana 100
    re.compile(
        r"(?<![\w-])(?:Calle|C/|Avenida|Avda\.?|Plaza|Pza\.?|Paseo|Camino|Carrer|Rambla|Ronda)\s*"
        r"(?:(?:de\s+la|de\s+los|de\s+las|del|de)\s+)?"
        rf"{_CAP}(?:\s+(?:(?:de|del|la)\s+)?{_CAP}){{0,3}},?\s+(?:n[º°o.]\s*)?\d{{1,4}}(?!\d)"
        r"(?:,?\s*\d{1,2}[º°ª]\s*[A-Z]?\b)?(?:,?\s+\d{5}\s+[A-ZÀ-Þ][\w'-]{0,30})?"
    ),
]
# 2026-03-14, 14/03/2026, 3.4.26 -- but not a run of groups such as 06-12-34-56-78
_DAY = r"(?:[0-2]?\d|3[01])"  # or month: either order is written
_DATE = re.compile(
    rf"(?<!\d)(?<!\d[-./])(?:\d{{4}}([-./]){_DAY}\1{_DAY}|{_DAY}([-./]){_DAY}\2(?:\d{{4}}|\d{{2}}))"
    r"(?![-./]?\d)"
)
_YEAR_CONTEXT = re.compile(
    r"(?i:\b(?:in|since|until|till|by|from|before|after|of|around|circa))\s*$"
)


class Span(NamedTuple):
    """Personal data at text[start:end], of one of KINDS."""

    start: int
    end: int
    kind: str


def redact(text: str) -> str:
    """The published form of a comment: each piece of personal data replaced by its marker."""
    return _replace(text, find_personal_data(text), lambda span: MARKERS[span.kind])


def find_personal_data(text: str, *, phone_policy: str = PHONE_POLICY) -> list[Span]:
    """Every piece of personal data in text, sorted and non-overlapping.

    Overlapping findings become one span covering all of them, so no part of either leaks; its
    kind is that of the longest finding (ties go to the most specific kind, in MARKERS order).
    Found spans are masked and the text searched again, because a number glued to the next one
    ("+44 20 7946 0958 2026-03-14") can hide from the first search.
    `phone_policy` is one of PHONE_POLICIES; the default is the measured best.
    """
    if phone_policy not in PHONE_POLICIES:
        raise ValueError(f"phone_policy must be one of {PHONE_POLICIES}, not {phone_policy!r}")
    if text.isascii() and not _CUES.search(text):
        return []  # nothing any rule could find (most comments: "Helpful, thanks")
    found: list[Span] = []
    for _ in range(SEARCH_ROUNDS):
        new = _find_once(text, phone_policy)
        if not new:
            break
        found += new
        text = _replace(text, _merge(new), _mask)
    return _merge(found)


def _mask(span: Span) -> str:
    """A found span as a later search sees it: a marker's brackets around NULs.

    The brackets put the same characters next to the rest of the text as a marker would, so a
    search of the redacted text finds what the last round found: nothing.
    """
    return ("[" + _NUL * (span.end - span.start))[:span.end - span.start - 1] + "]"


def _replace(text: str, spans: list[Span], replacement: Callable[[Span], str]) -> str:
    parts, last = [], 0
    for span in spans:
        parts += [text[last:span.start], replacement(span)]
        last = span.end
    parts.append(text[last:])
    return "".join(parts)


def _find_once(text: str, phone_policy: str) -> list[Span]:
    found = [
        *_emails(text),
        *_ibans(text),
        *_cards_and_long_numbers(text),
        *_accounts(text),
        *_addresses(text),
    ]
    return found + _phones(text, phone_policy, taken=found)


def _merge(found: list[Span]) -> list[Span]:
    merged: list[Span] = []
    best: Span | None = None
    for span in sorted(found):
        if merged and span.start < merged[-1].end:
            start, end, _ = merged[-1]
            best = max(best, span, key=_strength)
            merged[-1] = Span(start, max(end, span.end), best.kind)
        else:
            best = span
            merged.append(span)
    return merged


def _strength(span: Span) -> tuple[int, int]:
    return _length(span), -KINDS.index(span.kind)


def _length(span: Span) -> int:
    return span.end - span.start


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _emails(text: str) -> list[Span]:
    if "@" not in text and not re.search(r"[\[(]\s?at\s?[\])]", text, re.IGNORECASE):
        return []
    return [Span(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]


def _ibans(text: str) -> list[Span]:
    """IBANs with or without spaces: from each country-code start, the longest valid prefix."""
    spans = []
    for m in _IBAN_START.finditer(text):
        start, i, n_chars, longest = m.start(), m.start(), 0, None
        while i < len(text) and n_chars < IBAN_CHARS[1]:
            if text[i].isascii() and text[i].isalnum():
                n_chars, i = n_chars + 1, i + 1
            elif text[i] in " -" and i + 1 < len(text) and text[i + 1].isascii() \
                    and text[i + 1].isalnum():
                i += 1
                continue
            else:
                break
            at_boundary = i == len(text) or not text[i].isalnum()
            if at_boundary and n_chars >= IBAN_CHARS[0] and iban.is_valid(text[start:i]):
                longest = i
        if longest:
            spans.append(Span(start, longest, "iban"))
    return spans


def _cards_and_long_numbers(text: str) -> list[Span]:
    """Luhn-valid card numbers; card-shaped numbers that fail Luhn are account-like anyway.

    Every card-shaped window of a run of digit groups is tried; a failing window counts only
    when the run holds no card.
    """
    spans = []
    for m in _DIGIT_GROUPS.finditer(_mask_dates(text)):
        groups = [(m.start() + g.start(), m.start() + g.end()) for g in re.finditer(r"\d+", m[0])]
        sizes = [end - start for start, end in groups]
        cards, shaped = [], []
        for i in range(len(groups)):
            for j in range(i, len(groups)):
                window = sizes[i:j + 1]
                if sum(window) > CARD_DIGITS[1] or (j > i and (
                        window[0] != CARD_FIRST_GROUP or window[-2] not in CARD_GROUP
                        or text[groups[j][0] - 1] != text[groups[i][1]])):
                    break  # too long, a group of the wrong size, or a change of separator
                if _card_shaped(window):
                    span = Span(groups[i][0], groups[j][1], "card")
                    digits = "".join(text[start:end] for start, end in groups[i:j + 1])
                    (cards if luhn.is_valid(digits) else shaped).append(span)
        if cards:
            # A shorter card inside the digits of a longer one is a count glued to it ("4111
            # 1111 1111 1111 2 times"); equally long rivals are both kept, and merged.
            spans += [card for k, card in enumerate(cards) if not any(
                _overlap(card, other) and _length(other) > _length(card)
                for other in cards[max(0, k - _CARD_NEIGHBOURS):k + _CARD_NEIGHBOURS])]
        elif shaped:
            spans.append(max(shaped, key=_strength)._replace(kind="account"))
    return spans


def _card_shaped(sizes: list[int]) -> bool:
    """13-19 digits, whole or in groups as cards are written (see CARD_GROUP)."""
    if not CARD_DIGITS[0] <= sum(sizes) <= CARD_DIGITS[1]:
        return False
    return len(sizes) == 1 or (sizes[0] == CARD_FIRST_GROUP and sizes[-1] <= max(CARD_GROUP)
                               and all(n in CARD_GROUP for n in sizes[1:-1]))


def _mask_dates(text: str) -> str:
    """Dates hidden: never a number of any kind, and hidden they cannot join one either."""
    return _DATE.sub(lambda m: _NUL * len(m[0]), text)


def _phones(text: str, policy: str, taken: list[Span]) -> list[Span]:
    """Phone numbers; `taken` (found by the other rules) need no second look."""
    if _n_digits(text) < MIN_PHONE_DIGITS:
        return []
    # Emails and IBANs are hidden too. Numbers stay visible even when taken, as a wrongly taken
    # one may be the tail of a phone number: the merge covers both.
    hidden = _merge([span for span in taken if span.kind in ("email", "iban")])
    searched = _replace(_mask_dates(text), hidden, _mask)
    leniency = _VALID if policy == "valid" else phonenumbers.Leniency.POSSIBLE
    found: set[tuple[int, int]] = set()
    for region in PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(searched, region, leniency=leniency):
            found.add((match.start, match.end))
    if policy != "possible-dialled":
        return [Span(start, end, "phone") for start, end in found]
    accepted = [_accept_phone(text, start, text[start:end]) for start, end in found]
    # The matcher gives up on a number glued to a neighbouring one ("waited 45 0161 496 0123",
    # "+33 1 99 00 12 34 45"): retry from each number whose run it left uncovered.
    phones = [span for span in accepted if span]
    spans = _merge(phones + taken)
    # Left to right, `reach` is the furthest end of the spans starting at or before a number.
    reach, next_span, tries = -1, 0, 0
    for m in _NUMBER_START.finditer(searched):
        while next_span < len(spans) and spans[next_span].start <= m.start():
            reach = max(reach, spans[next_span].end)
            next_span += 1
        run = _NUMBER_RUN.match(searched, m.start())[0]
        if _n_digits(run) < MIN_PHONE_DIGITS or reach >= m.start() + len(run):
            continue
        tries += 1
        if tries > MAX_GLUED_TRIES:
            # Past the budget, a run of numbers this long is removed unread rather than leaked.
            span = Span(m.start(), m.start() + len(run), "phone")
        else:
            cut = next((cut for cut in _cuts(run)
                        if _valid_phone(run[:cut]) or _possible_phone(run[:cut])), None)
            span = cut and _accept_phone(text, m.start(), run[:cut])
        if span:
            phones.append(span)
            reach = max(reach, span.end)
    return phones


def _accept_phone(text: str, start: int, raw: str) -> Span | None:
    """The span of raw, or of its longest valid prefix, when it counts as a phone number.

    A valid number counts unless it is a bare digit run not announced as a phone (the account
    rule takes those); a merely possible one when written as dialled or announced as a phone.
    """
    context = _context(text, start)
    if context == "account" and not raw.startswith(("+", "(")):
        return None  # "account 00123456789" is announced as something else: the account rule
    # The matcher glues a following count to a number ("020 7946 0958 14 times").
    cut = next((cut for cut in _cuts(raw) if _n_digits(raw[:cut]) >= MIN_PHONE_DIGITS
                and _valid_phone(raw[:cut])), None)
    if cut is not None:
        bare = raw[:cut].isdigit() and not raw.startswith("0")
        return Span(start, start + cut, "phone") if context == "phone" or not bare else None
    n_digits = _n_digits(raw)
    dialled = raw.startswith(("+", "(")) or (
        raw.startswith("0") and n_digits >= MIN_TRUNK_PHONE_DIGITS
    )
    if n_digits >= MIN_PHONE_DIGITS and (context == "phone" or dialled):
        return Span(start, start + len(raw), "phone")
    return None


def _n_digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _cuts(raw: str) -> list[int]:
    """Where raw may end: its end, then before each space, longest first."""
    return [len(raw), *reversed([m.start() for m in re.finditer(r"\s+", raw)])]


@functools.lru_cache(maxsize=4096)
def _valid_phone(raw: str) -> bool:
    """raw, whole, is a valid number in one of PHONE_REGIONS (national prefix where required)."""
    return _whole_match(raw, _VALID)


@functools.lru_cache(maxsize=4096)
def _possible_phone(raw: str) -> bool:
    return _whole_match(raw, phonenumbers.Leniency.POSSIBLE)


def _whole_match(raw: str, leniency: phonenumbers.Leniency) -> bool:
    for region in PHONE_REGIONS:
        match = next(iter(phonenumbers.PhoneNumberMatcher(raw, region, leniency=leniency)), None)
        if match and match.start == 0 and match.end == len(raw):
            return True
    return False


def _context(text: str, start: int) -> str | None:
    """"phone" or "account" when the words just before a number announce it as one."""
    before = text[max(0, start - CUE_WINDOW):start]
    if _ACCOUNT_ANNOUNCED.search(before):
        return "account"
    return "phone" if _PHONE_ANNOUNCED.search(before) else None


def _accounts(text: str) -> list[Span]:
    spans = [Span(m.start(), m.end(), "account") for m in _DIGIT_RUN.finditer(text)]
    spans += [Span(m.start(), m.end(), "account") for m in _SORT_CODE_ACCOUNT.finditer(text)]
    for m in _ACCOUNT_CUE.finditer(text):
        digits = _n_digits(m.group(1))
        if digits >= MIN_CUED_ACCOUNT_DIGITS:
            spans.append(Span(m.start(1), m.end(1), "account"))
    return spans


def _addresses(text: str) -> list[Span]:
    spans = []
    for pattern in _ADDRESSES:
        for m in pattern.finditer(text):
            start = m.start(1) if pattern.groups else m.start()
            house = re.match(r"\d+", text[start:m.end()])
            if house and len(house.group()) == 4 and house.group()[:2] in ("19", "20") \
                    and _YEAR_CONTEXT.search(text[max(0, start - 12):start]):
                continue  # "since 2019 Oxford Street has..." is a year, not a house number
            spans.append(Span(start, m.end(), "address"))
    spans += [Span(m.start(), m.end(), "address") for m in _UK_POSTCODE_ALONE.finditer(text)]
    return spans

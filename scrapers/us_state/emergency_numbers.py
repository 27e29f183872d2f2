"""Emergency numbers by service from a country page's sentences, normalised with ``phonenumbers``.

The pages give numbers in prose, in every shape: "Report crimes to the local police at 999, 112 or
911 and contact the U.S. Embassy at +254 (0) 20-363-6451", "105 (National Police)", "Dial 110 for
police", "Fire: 311, Police: 211, Ambulance: 511", "190 - Policia (Police)", "the U.S. Consulate
General in Recife at 011-55-81-3416-3050". A number belongs to the service named right after it
("… (Police)", "… for police") or else to the nearest service named before it in its sentence.
Numbers are normalised (E.164 where the number allows, else its digits), so "822-4011" and
"+501 822-4011" are one number and reformatting is never a change.
"""

from __future__ import annotations

import re

import phonenumbers

from scrapers.text.page_text import PageLine, sentences

_NUMBER = re.compile(
    r"(?<![\w.,/])(?:\+\s?)?(?:\(\+?\s?\d{1,4}\)\s?-?\s?)*\d(?:[\d\-.]|\s(?=[\d(])|\(\d{1,4}\))*\d(?![\w/%])"
)
# A two-digit number is a phone number only where the sentence introduces it as one ("police at 17").
_INTRODUCED = re.compile(
    r"(?:\bat|\bdial(?:ing)?|\bcall(?:ing)?|\bnumbers?|\bis|\bare|:|,|\bor|\band)\s*[\"\u201c]?$", re.I
)
_IMPERATIVE = re.compile(r"^(?:Call|Dial|Phone|Text)\b")
_MONTH = re.compile(
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+$"
)
_SERVICES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("tourist police", re.compile(r"\btouris[tm]\w*\s+police\b|\bDISETUR\b|\bPOLITUR\b", re.I)),
    ("police", re.compile(r"\bpolic(?:e|ia)\b", re.I)),
    ("ambulance", re.compile(r"\bambulanc\w*|\bmedical emergenc\w*", re.I)),
    ("fire", re.compile(r"\bfire\b|\bbombeiros\b|\bfirefighters?\b", re.I)),
    ("emergency", re.compile(r"\bemergenc(?:y|ies)\b", re.I)),
    ("embassy", re.compile(r"\bEmbassy\b")),
    (
        "consulate",
        re.compile(
            r"\bConsulate(?:\s+General)?\b(?:\s+(?:in\s+)?(?P<city>[A-Z][\w'\u2019-]+(?:\s+[A-Z][\w'\u2019-]+)?))?"
        ),
    ),
)
_AFTER = re.compile(
    r"^\s*(?:\((?P<paren>[^)]{2,40})\)|for\s+(?P<for>(?:U\.S\.|[^,;.]){2,40})"
    r"|[-\u2013:]\s*(?P<dash>(?:U\.S\.|[^,;.]){2,40}))"
)
_GLUED_PLUS = re.compile(r"(?<=[A-Za-z])\+(?=\s?[\d(])")  # "Embassy at+502-2354-0000"
_ASIDE = re.compile(r"^\s*\([^)]*\)")
_US_911 = re.compile(r"[\"\u201c]911[\"\u201d]")
_HOTLINE = re.compile(r"hotline|crisis|shelter", re.I)
# A victims' line ("the toll-free emergency number in Spain, 016" for domestic violence) is not the
# emergency number; the police number in such a sentence still is.
_VICTIMS = re.compile(r"domestic violence|sexual assault", re.I)
_US_NUMBERS = re.compile(r"\bWashington\b|toll-free in the United States|from other countries", re.I)


def normalise(raw: str, region: str | None) -> str:
    """E.164 where the number parses as a valid one (with the page's country as the default
    region), else its digits: "(246) 227-4000" -> "+12462274000", "105" -> "105"."""
    text = re.sub(r"\(0\)", "", raw).strip()
    digits = re.sub(r"\D", "", text)
    if len(digits) <= 6 and not text.startswith("+"):
        return digits
    candidates = [text, "+" + digits]
    if digits.startswith("011"):
        candidates.append("+" + digits[3:])
    if digits.startswith("00"):
        candidates.append("+" + digits[2:])
    regions = [region, "US"] if len(digits) == 10 else [region]  # a Caribbean embassy's NANP number
    for candidate, default in [(c, r) for r in regions for c in candidates]:
        try:
            number = phonenumbers.parse(candidate, None if candidate.startswith("+") else default)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return ("+" if text.startswith("+") else "") + digits


def _named_services(text: str) -> list[tuple[int, int, str]]:
    """(start, end, service) of every service named in ``text``, in the order of ``_SERVICES``."""
    return [
        (match.start(), match.end(), _name(service, match))
        for service, pattern in _SERVICES
        for match in pattern.finditer(text)
    ]


def _name(service: str, match: re.Match[str]) -> str:
    city = match.groupdict().get("city") if service == "consulate" else None
    return f"consulate {city}" if city else service


def _service_in(text: str) -> str | None:
    """The service named last in ``text``; of two ending together ("Tourist Police"), the longer."""
    named = _named_services(text)
    return max(named, key=lambda n: (n[1], -n[0]))[2] if named else None


def _first_service(text: str) -> str | None:
    named = _named_services(text)
    return min(named, key=lambda n: n[0])[2] if named else None


def _service_after(rest: str) -> str | None:
    """The service named right after a number: "105 (National Police)", "110 for police"."""
    after = _AFTER.match(rest)
    return _first_service(next(g for g in after.groups() if g)) if after else None


def numbers_in(sentence: str, region: str | None, context: str | None = None) -> list[tuple[str, str]]:
    """(service, normalised number) pairs a sentence states. ``context`` is the service the previous
    sentence named, for "Report crimes to the local police … . Call 1500 from a local phone …"."""
    if _US_NUMBERS.search(sentence):
        return []
    text = _GLUED_PLUS.sub(" +", _US_911.sub(" ", sentence))
    hotline, victims = bool(_HOTLINE.search(text)), bool(_VICTIMS.search(text))
    equivalent = "equivalent to" in text.lower()
    found = []
    for match in _NUMBER.finditer(text):
        raw = match.group(0)
        digits = re.sub(r"\D", "", raw)
        before = text[: match.start()]
        if len(digits) < 2 or re.fullmatch(r"\d{1,2}[.:]\d\d", raw) or _MONTH.search(before):
            continue
        short = len(digits) == 2 or re.fullmatch(r"(?:19|20)\d\d", digits)  # "police at 17", "at 2020"
        if short and not _INTRODUCED.search(before):
            continue
        rest = text[match.end() :]
        service = _service_after(rest)
        if service == "emergency" and (specific := _service_in(before)) not in (None, "emergency"):
            service = specific  # "the local police at 17 (emergencies)"
        if service is None and _ASIDE.match(rest):
            # "03-3224-5000 (011-81-3-3224-5000 from overseas) for the U.S. Embassy"
            service = _service_after(_ASIDE.sub("", rest))
        if service is None:
            # "The local equivalent to the "911" emergency line for police, ambulance, or fire is 112."
            service = "emergency" if equivalent and "emergency" in before.lower() else _service_in(before)
            if service is None and _IMPERATIVE.match(text):
                # "Dial 911 to report emergencies", "Call 1500 …" after "Report crimes to the police."
                service = _first_service(rest) or context
        if service is None or (hotline and not service.startswith(("embassy", "consulate"))):
            continue
        if victims and service == "emergency":
            continue
        found.append((service, normalise(raw, region)))
    return found


def emergency_numbers(lines: list[PageLine], region: str | None) -> list[dict]:
    """[{"name": service, "numbers": [normalised, …]}], one item per service, numbers sorted."""
    by_service: dict[str, set[str]] = {}
    for line in lines:
        if line.heading:
            continue
        context = None
        for sentence in sentences(line.text):
            for service, number in numbers_in(sentence, region, context):
                by_service.setdefault(service, set()).add(number)
            context = _service_in(sentence) or context
    return [{"name": service, "numbers": sorted(numbers)} for service, numbers in sorted(by_service.items())]

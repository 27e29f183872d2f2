"""Turning the State Department's country tags and names into ISO 3166 codes.

The feed's ``Country-Tag`` is (mostly) FIPS 10-4, which collides with ISO 3166-1 in dangerous ways
(FIPS ``AU`` is Austria, ISO ``AU`` is Australia), and the State Department departs from FIPS in
places (``SR`` is Switzerland in the feed, ``GW`` Guinea-Bissau, ``A1``-``A3`` are its own codes).
So the table below is explicit for every tag, and names are the fallback: items without a tag, and
the private ``A*`` tags, resolve by name through aliases and pycountry.

Destination keys are ISO 3166-1 alpha-2, except where the State Department writes separate
advisories for parts of one ISO country: Bonaire, Saba and Sint Eustatius (all ``BQ``) are keyed by
their ISO 3166-2 subdivision codes. French West Indies has no ISO code and is keyed ``GP``
(Guadeloupe, its largest part).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import pycountry
from rapidfuzz import fuzz, process

# State Department Country-Tag -> ISO 3166-1 alpha-2.
STATE_TAG_TO_ISO: dict[str, str] = {
    "AA": "AW", "AC": "AG", "AE": "AE", "AF": "AF", "AG": "DZ", "AJ": "AZ", "AL": "AL", "AM": "AM",
    "AN": "AD", "AO": "AO", "AQ": "AS", "AR": "AR", "AS": "AU", "AU": "AT", "AV": "AI", "AY": "AQ",
    "BA": "BH", "BB": "BB", "BC": "BW", "BD": "BM", "BE": "BE", "BF": "BS", "BG": "BD", "BH": "BZ",
    "BK": "BA", "BL": "BO", "BM": "MM", "BN": "BJ", "BO": "BY", "BP": "SB", "BR": "BR", "BT": "BT",
    "BU": "BG", "BX": "BN", "BY": "BI", "CA": "CA", "CB": "KH", "CD": "TD", "CE": "LK", "CF": "CG",
    "CG": "CD", "CH": "CN", "CI": "CL", "CJ": "KY", "CM": "CM", "CN": "KM", "CO": "CO", "CS": "CR",
    "CT": "CF", "CU": "CU", "CV": "CV", "CW": "CK", "CY": "CY", "DA": "DK", "DJ": "DJ", "DO": "DM",
    "DR": "DO", "EC": "EC", "EG": "EG", "EI": "IE", "EK": "GQ", "EN": "EE", "ER": "ER", "ES": "SV",
    "ET": "ET", "EZ": "CZ", "FG": "GF", "FI": "FI", "FJ": "FJ", "FM": "FM", "FP": "PF", "FR": "FR",
    "GA": "GM", "GB": "GA", "GG": "GE", "GH": "GH", "GJ": "GD", "GL": "GL", "GM": "DE", "GP": "GP",
    "GR": "GR", "GT": "GT", "GV": "GN", "GW": "GW", "GY": "GY", "GZ": "PS", "HA": "HT", "HK": "HK",
    "HO": "HN", "HR": "HR", "HU": "HU", "IC": "IS", "ID": "ID", "IN": "IN", "IR": "IR", "IS": "IL",
    "IT": "IT", "IV": "CI", "IZ": "IQ", "JA": "JP", "JM": "JM", "JO": "JO", "KE": "KE", "KG": "KG",
    "KN": "KP", "KR": "KI", "KS": "KR", "KU": "KW", "KV": "XK", "KZ": "KZ", "LA": "LA", "LE": "LB",
    "LG": "LV", "LH": "LT", "LI": "LR", "LO": "SK", "LS": "LI", "LT": "LS", "LU": "LU", "LY": "LY",
    "MA": "MG", "MB": "MQ", "MC": "MO", "MD": "MD", "MG": "MN", "MH": "MS", "MI": "MW", "MJ": "ME",
    "MK": "MK", "ML": "ML", "MN": "MC", "MO": "MA", "MP": "MU", "MR": "MR", "MT": "MT", "MU": "OM",
    "MV": "MV", "MX": "MX", "MY": "MY", "MZ": "MZ", "NC": "NC", "NG": "NE", "NH": "VU", "NI": "NG",
    "NL": "NL", "NN": "SX", "NO": "NO", "NP": "NP", "NR": "NR", "NS": "SR", "NU": "NI", "NZ": "NZ",
    "OD": "SS", "PA": "PY", "PE": "PE", "PK": "PK", "PL": "PL", "PM": "PA", "PO": "PT", "PP": "PG",
    "PS": "PW", "PU": "GW", "QA": "QA", "RI": "RS", "RM": "MH", "RN": "MF", "RO": "RO", "RP": "PH",
    "RQ": "PR", "RS": "RU", "RW": "RW", "SA": "SA", "SC": "KN", "SE": "SC", "SF": "ZA", "SG": "SN",
    "SI": "SI", "SL": "SL", "SM": "SM", "SN": "SG", "SO": "SO", "SP": "ES", "SR": "CH", "ST": "LC",
    "SU": "SD", "SW": "SE", "SY": "SY", "SZ": "CH", "TB": "BL", "TD": "TT", "TH": "TH", "TI": "TJ",
    "TK": "TC", "TN": "TO", "TO": "TG", "TP": "ST", "TS": "TN", "TT": "TL", "TU": "TR", "TV": "TV",
    "TW": "TW", "TX": "TM", "TZ": "TZ", "UC": "CW", "UG": "UG", "UK": "GB", "UP": "UA", "US": "US",
    "UV": "BF", "UY": "UY", "UZ": "UZ", "VC": "VC", "VE": "VE", "VI": "VG", "VM": "VN", "VQ": "VI",
    "VT": "VA", "WA": "NA", "WE": "PS", "WS": "WS", "WZ": "SZ", "YM": "YE", "ZA": "ZM", "ZI": "ZW",
}  # fmt: skip

# Tags that do not name one ISO country: resolve these by name.
NAME_RESOLVED_TAGS = frozenset({"A1", "A2", "A3"})

# Names the feed uses that pycountry does not resolve (or resolves to the wrong thing).
NAME_ALIASES: dict[str, str] = {
    "bonaire": "BQ-BO",
    "saba": "BQ-SA",
    "sint eustatius": "BQ-SE",
    "french west indies": "GP",
    "french guiana": "GF",
    "burma": "MM",
    "burma myanmar": "MM",
    "china": "CN",
    "mainland china": "CN",
    "mainland china hong kong macau": "CN",
    "mainland china hong kong macau see summaries": "CN",
    "hong kong": "HK",
    "hongkong": "HK",
    "macau": "MO",
    "macao": "MO",
    "solomon island": "SB",
    "bonaire sint eustatius and saba": "BQ",
    "bes islands": "BQ",
    "democratic people s republic of korea": "KP",
    "d r c": "CD",
    "drc": "CD",
    "israel west bank and gaza": "IL",
    "czech republic": "CZ",
    # Country information page slugs as the site spells them ("CotedvIoire.html")
    "coted ivoire": "CI",
    "cotedv ioire": "CI",
    "korea democratic peoples republic of": "KP",
    "democratic republic of the congo drc": "CD",
    "macedonia": "MK",
    "the kyrgyz republic": "KG",
    "kyrgyz republic": "KG",
    "kingdom of denmark": "DK",
    "kosovo": "XK",
    "laos": "LA",
    "south korea": "KR",
    "north korea": "KP",
    "russia": "RU",
    "iran": "IR",
    "syria": "SY",
    "vietnam": "VN",
    "taiwan": "TW",
    "turkey": "TR",
    "turkiye": "TR",
    "the bahamas": "BS",
    "the gambia": "GM",
    "cote d ivoire": "CI",
    "republic of the congo": "CG",
    "democratic republic of the congo": "CD",
    "federated states of micronesia": "FM",
    "micronesia": "FM",
    "brunei": "BN",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "moldova": "MD",
    "czechia": "CZ",
    "cabo verde": "CV",
    "eswatini": "SZ",
    "timor leste": "TL",
    "sao tome and principe": "ST",
    "curacao": "CW",
    "sint maarten": "SX",
    "saint martin": "MF",
    "antarctica": "AQ",
    "holy see": "VA",
    "vatican city": "VA",
    "west bank and gaza": "PS",
    "israel the west bank and gaza": "IL",
    "united kingdom": "GB",
    "palestinian territories": "PS",
    # OC Index workbook spellings (commas sometimes typed for full stops)
    "congo dem rep": "CD",
    "congo rep": "CG",
    "korea dpr": "KP",
    "korea rep": "KR",
    "st kitts and nevis": "KN",
    "st lucia": "LC",
    "st vincent and the grenadines": "VC",
}


# Typographic quotes and apostrophes have no ASCII decomposition: without this, "Côte d’Ivoire"
# would fold to "cote divoire" instead of "cote d ivoire".
_TYPOGRAPHIC = str.maketrans({c: " " for c in "\u2018\u2019\u201a\u201b\u201c\u201d\u2032\u02bc\u00b4`"})


def normalise_name(name: str) -> str:
    """Lower-case ASCII words only: 'São Tomé and Príncipe' -> 'sao tome and principe'."""
    folded = unicodedata.normalize("NFKD", name.translate(_TYPOGRAPHIC))
    ascii_name = folded.encode("ascii", "ignore").decode()
    ascii_name = ascii_name.replace("&", " ")
    return re.sub(r"[^a-z]+", " ", ascii_name.lower()).strip()


def name_variants(name: str) -> list[str]:
    """The normalised name and the forms it is also written in: "Gambia, The" is "the gambia",
    "Korea, Republic of" is "republic of korea"; a leading "the" is optional."""
    norm = normalise_name(name)
    variants = [norm]
    if "," in name:
        head, _, tail = name.rpartition(",")
        variants.append(normalise_name(f"{tail} {head}"))
    bare = re.sub(r"\s*\([^)]*\)", "", name)
    if bare != name:
        variants.append(normalise_name(bare))
    for variant in list(variants):
        if variant.startswith("the "):
            variants.append(variant[4:])
        else:
            variants.append("the " + variant)
    return [v for v in dict.fromkeys(variants) if v]


@lru_cache(maxsize=1)
def _pycountry_names() -> dict[str, str]:
    """Every pycountry name (name, common and official name) normalised -> alpha-2."""
    found: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("official_name", "common_name", "name"):
            value = getattr(country, attribute, "")
            if value:
                found[normalise_name(value)] = country.alpha_2
    return found


@lru_cache(maxsize=1024)
def code_for_name(name: str) -> str | None:
    """ISO code (or subdivision key) for a destination name, or None when it is not recognised.

    The project's own table first (it overrides pycountry where the State Department's name means
    another thing), then pycountry's names, each tried in the name's variants."""
    variants = name_variants(name)
    for variant in variants:
        if variant in NAME_ALIASES:
            return NAME_ALIASES[variant]
    try:
        return pycountry.countries.lookup(name.strip()).alpha_2
    except LookupError:
        pass
    names = _pycountry_names()
    return next((names[v] for v in variants if v in names), None)


def destination_key(tag: str | None, name: str, link: str = "") -> str | None:
    """The destination key for a feed item: from its tag, else its name, else its link's address
    (``destination.<iso3>.html``, ``<slug>-travel-advisory.html``), else the name's nearest known
    spelling: a new spelling, a typo or a generic title never blinds a destination."""
    tag = (tag or "").strip().upper()
    if tag and tag not in NAME_RESOLVED_TAGS and tag in STATE_TAG_TO_ISO:
        return STATE_TAG_TO_ISO[tag]
    hint = destination_hint(link) if link else None
    return code_for_name(name) or (code_for_name(hint) if hint else None) or nearest_code(name)


# A misspelt name is taken for the nearest known one only when it is this close (rapidfuzz's
# normalised Indel similarity, 0-100) and no other name is nearly as close: "Nigerria" is Nigeria,
# "Niger" stays Niger (an exact name), "Guinea-Bisau" is Guinea-Bissau, "Atlantis" is nothing.
_NEAREST_SCORE = 85.0
_NEAREST_MARGIN = 4.0


@lru_cache(maxsize=1)
def _known_names() -> dict[str, str]:
    names = dict(_pycountry_names())
    names.update(NAME_ALIASES)
    return names


@lru_cache(maxsize=1024)
def nearest_code(name: str) -> str | None:
    """The code of the known destination name nearest to ``name`` (a typo, a new spelling), or None."""
    norm = normalise_name(re.sub(r"\btravel advisory\b.*$", "", name, flags=re.I))
    if len(norm) < 4:
        return None
    known = _known_names()
    found = process.extract(norm, list(known), scorer=fuzz.ratio, limit=5, score_cutoff=_NEAREST_SCORE - 10)
    if not found or found[0][1] < _NEAREST_SCORE:
        return None
    best_code = known[found[0][0]]
    rivals = [score for candidate, score, _ in found[1:] if known[candidate] != best_code]
    if rivals and found[0][1] - rivals[0] < _NEAREST_MARGIN:
        return None
    return best_code


_GIVEN_KEY = re.compile(r"[A-Za-z]{2}(?:-[A-Za-z0-9]{1,3})?")


def destination_keys(given: Iterable[str]) -> tuple[set[str], list[str]]:
    """Destination keys as a person gives them (``--countries``, a DAG's ``countries`` Param): ISO codes
    in any case ("st", "IL"), subdivision keys ("BQ-BO") or names ("Israel", "Sao Tome and Principe").
    Returns the keys and what named no destination, so the caller can refuse instead of quietly
    narrowing the run to nothing."""
    keys: set[str] = set()
    unknown: list[str] = []
    for text in (g.strip() for g in given):
        if not text:
            continue
        code = text.upper() if _GIVEN_KEY.fullmatch(text) else None
        if code is not None and (pycountry.countries.get(alpha_2=country_of(code)) or code == "XK"):
            keys.add(code)
        elif found := code_for_name(text) or nearest_code(text):
            keys.add(found)
        else:
            unknown.append(text)
    return keys, unknown


def pycountry_name(key: str) -> str:
    """A key's name where a document gave none ("See Individual Summaries" as a whole title)."""
    country = pycountry.countries.get(alpha_2=country_of(key))
    return str(getattr(country, "common_name", None) or getattr(country, "name", key)) if country else key


def country_of(key: str) -> str:
    """The ISO 3166-1 alpha-2 part of a destination key ('BQ-BO' -> 'BQ')."""
    return key.split("-", 1)[0]


_MOMENT_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{6}Z$")
# Small words glued into a slug's camel case: "RepublicoftheCongo", "KoreaDemocraticPeoplesRepublicof".
_GLUED_WORD = re.compile(r"(?<=[a-z])(?:and|of|the)(?=[A-Z]|the[A-Z])|(?<=[a-z])of$")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def slug_name(slug: str) -> str:
    """A URL slug as words: "SouthAfrica" -> "South Africa", "cote-d-ivoire" -> "cote d ivoire",
    "BonaireSintEustatiusandSaba" -> "Bonaire Sint Eustatius and Saba"."""
    words = _GLUED_WORD.sub(lambda m: f" {m.group(0)} ", slug.replace("-", " ").replace("_", " "))
    return " ".join(_CAMEL.sub(" ", words).split())


def destination_hint(url: str) -> str | None:
    """The destination a page's address suggests: ``destination.<iso3>.html``, a country
    information page's slug, a legacy ``<slug>-travel-advisory.html``, or a corpus file's folder
    (``…/<Destination>/<YYYY-MM-DDTHHMMSSZ>/<file>``). Only a hint: the page's own title wins."""
    if not url:
        return None
    from urllib.parse import unquote, urlsplit

    path = unquote(urlsplit(url).path)
    iso3 = re.search(r"destination\.([a-z]{3})\.html", path)
    if iso3:
        country = pycountry.countries.get(alpha_3=iso3.group(1).upper())
        return country.name if country else None
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 3 and _MOMENT_FOLDER.match(parts[-2]):
        return parts[-3]
    page = re.search(r"Country-Information-Pages/([^/]+?)\.html", path)
    if page:
        return slug_name(page.group(1))
    legacy = re.search(r"/([a-z0-9-]+?)-travel-advisory\.html", path, re.I)
    if legacy:
        return slug_name(legacy.group(1))
    return None

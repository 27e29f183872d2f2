"""Truthful alerts (#28): every claim backed by a named witness, the governments' notes read as
witnesses, clean area names, tolerant UK reading, and no destination lost to an unknown name.

Inputs are real: the notes are quoted from ../shared (UK and Canadian ``info.json``, Smartraveller's
update lines, the State Department feed), the pages are real corpus pages (altered where a test
says so, to stand for an editor's typo), and the claims expected were read by hand from the words.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from advisory_watch import announcements
from advisory_watch.replay import replay_files
from advisory_watch.settings import Settings
from alerts.blocks import render
from alerts.payload import AlertPayload
from diffing.area_names import clean_area_name
from diffing.changes import Change, Severity
from diffing.claims import SUBJECT, claim_line
from diffing.countries import destination_key, nearest_code
from diffing.witness import weigh
from models.sessions import session_for
from scrapers.governments import government_note, uk_fcdo
from scrapers.text.corpus_moment import bundle_bytes
from scrapers.us_state import change_note, state_dept_feed
from tests.conftest import ARCHIVE, FEED_0107, SHARED, STATE_DEPT

UK = SHARED / "fixtures" / "governments" / "unitedkingdom"
UK_ROLES = uk_fcdo.corpus_roles


# --- area names: the garbled names real alerts carried, and what a reader is shown ---------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Level: 4", None),  # Saudi Arabia, feed 2026-03-04
        ("following territories", None),
        ("southeast T urkiye", "southeast Turkiye"),  # Turkey, feed 2026-03-10
        (
            "All U.S. government personnel on official travel to these areas must follow U.S. embassy travel restrictions",
            None,
        ),  # Jordan, feed 2025-12-20
        ("or remain in Venezuela", None),  # Venezuela, 2026-03-20
        ("Areas where FCDO advises against all but essential travel", None),  # Burundi, UK 2025-12-11
        (
            "Rwanda-Democratic Republic of the Congo (DRC)Border",
            "Rwanda-Democratic Republic of the Congo (DRC) Border",
        ),
        ("St. Ann 's Parish - Steer Town", "St. Ann's Parish - Steer Town"),
        (
            "for mainland regions along the shoreline between Terusan to Tawau",
            "mainland regions along the shoreline between Terusan to Tawau",
        ),
        (
            "Within 20 miles of the Saudi-Yemen border, including the city of Najran",
            "Within 20 miles of the Saudi-Yemen border, including the city of Najran",
        ),
        ("Sheba'a Farms", "Sheba'a Farms"),
    ],
)
def test_area_names_are_clean_place_phrases_or_not_stated(raw, shown):
    assert clean_area_name(raw) == shown


# --- the rule ------------------------------------------------------------------------------------


def _change(kind: str, field: str, item=None, old=None, new=None) -> Change:
    return Change(kind, field, old, new, Severity.MEDIUM, f"Togo — {kind} {item}", item=item)


def _weigh(changes, note, *, exhaustive=True, fielded=frozenset({"level"}), subject="Togo"):
    claims = change_note.claims(note)
    return weigh(
        changes,
        claims,
        note=note,
        note_is_new=True,
        field_witnessed=fielded,
        quiet_kinds=state_dept_feed.quiet_kinds,
        subject_name=subject,
        note_exhaustive=exhaustive,
    )


def test_a_claim_the_note_confirms_is_stated_with_both_witnesses():
    note = 'There was no change to the advisory level. The "health" risk indicator was added.'
    told = _weigh([_change("indicator_added", "indicators", "H")], note)
    assert [(c.kind, c.item, c.witnesses) for c in told.stated] == [
        ("indicator_added", "H", ("reading", "note"))
    ]
    assert told.alerting == told.stated


def test_reading_only_claims_the_exhaustive_note_leaves_out_are_not_stated():
    """Togo, feed 2026-03-11: the note names only "health"; the reading also found C and U."""
    note = 'There was no change to the advisory level. The "health" risk indicator was added.'
    changes = [_change("indicator_added", "indicators", x) for x in ("H", "C", "U")]
    assert [c.item for c in _weigh(changes, note).stated] == ["H"]


def test_a_claim_the_note_denies_is_not_stated_and_is_a_finding():
    note = "There were no changes to the advisory level or risk indicators. Advisory summary was updated."
    told = _weigh([_change("indicator_removed", "indicators", "K")], note)
    assert told.stated == [] and told.alerting == []
    assert [f.kind for f in told.findings] == ["note_disagrees"]


def test_a_change_the_note_announces_is_alerted_though_the_reading_missed_it():
    """Trinidad and Tobago, feed 2026-04-15: "The "kidnapping" indicator was removed." — the
    reading saw no indicator change; the alert says so on the note's word."""
    note = 'There was no change to the advisory level. The "kidnapping" indicator was removed.'
    told = _weigh([], note)
    assert [(c.kind, c.item, c.witnesses) for c in told.alerting] == [("indicator_removed", "K", ("note",))]
    assert told.alerting[0].details["note"].startswith('The "kidnapping" indicator was removed')


def test_a_structured_field_stands_whatever_the_note_says_and_a_note_cannot_move_it():
    note = 'Updated to reflect a shift to Level 2 "Exercise increased caution" for Mainland China.'
    # The level did not change (a re-dated edition repeating an old note): nothing is stated.
    assert _weigh([], note).stated == []
    # The level changed: stated as data, with the note beside it.
    told = _weigh([_change("level_changed", "level", None, 3, 2)], note)
    assert told.stated[0].witnesses == ("field", "note")


def test_a_headline_note_does_not_silence_the_reading_on_what_it_does_not_mention():
    """The UK's notes tell the headline news: Libya 2025-04-11 speaks of the cities of Tripoli,
    Benghazi and Misrata; the tier moving 4 -> 3 is the reading's, and is stated as such."""
    note = (
        "FCDO now advises against all but essential travel to the cities of Tripoli, Benghazi and Misrata. "
        "FCDO continues to advise against all travel to the rest of Libya"
    )
    claims = government_note.claims(note, {"government": "UK", "country_name": "Libya", "key": "LY"})
    tier = Change("tier_lowered", "level", 4, 3, Severity.INFO, "Libya — tier 4 → 3")
    told = weigh(
        [tier],
        claims,
        note=note,
        note_is_new=True,
        field_witnessed=frozenset(),
        quiet_kinds=frozenset(),
        subject_name="Libya",
    )
    assert [(c.kind, c.witnesses) for c in told.stated[:1]] == [("tier_lowered", ("reading",))]


def test_an_update_that_rewords_an_area_is_one_revision_not_a_removal():
    """Turkey, feed 2026-03-10: "An area of increased risk was updated." The Level 4 area reads
    "Sirnak Province, …" before and "southeast T urkiye" after (a stray space in State's text)."""
    note = "There were no changes to the advisory level or risk indicators. An area of increased risk was updated."
    old = {"name": "Sirnak Province, Hakkari Province", "level": 4}

    def added(name: str) -> Change:
        return Change(
            "area_added",
            "areas",
            None,
            {"name": name, "level": 4},
            Severity.HIGH,
            f"Turkey — +area {name}",
            item=name,
        )

    changes = [
        added("southeast T urkiye"),
        added("southeast Turkiye"),
        Change("area_removed", "areas", old, None, Severity.INFO, "Turkey — −area Sirnak", item=old["name"]),
    ]
    [told] = _weigh(changes, note, subject="Turkey").stated
    assert told.kind == "area_revised"
    assert told.summary == "Turkey — area revised: Sirnak Province, Hakkari Province → southeast Turkiye"


# --- the governments' notes, read by hand ---------------------------------------------------------

NOTES = [
    # (government, destination, key, note quoted from ../shared, claims read by hand)
    (
        "UK",
        "Burkina Faso",
        "BF",
        "FCDO now advises against all travel to Burkina Faso ('Warnings and insurance' page).",
        ["level: changed to 4"],
    ),
    (
        "UK",
        "Madagascar",
        "MG",
        "FCDO no longer advises against all but essential travel to Madagascar. Updated information about the political and security situation in Madagascar ('Warnings and insurance' page).",
        ["level: down"],
    ),
    (
        "UK",
        "Myanmar (Burma)",
        "MM",
        "FCDO now advises against all but essential travel to Naypyitaw ('Warnings and insurance' and 'Regional risks' pages).",
        ["areas: added"],
    ),
    (
        "UK",
        "Israel",
        "IL",
        "FCDO now advises against all but essential travel to Israel and the Occupied Palestinian Territories and now advises against all travel to Sheba'a Farms and Ghajjar.",
        ["level: changed to 3", "areas: added"],
    ),
    (
        "UK",
        "Palestine",
        "PS",
        "CORRECTION: FCDO now advises against all but essential travel to Israel and Palestine and continues to advise against all travel to parts of Israel and Palestine.",
        ["level: changed to 3"],
    ),
    (
        "UK",
        "Libya",
        "LY",
        "Updated information that a ceasefire has been agreed in Tripoli, but the situation remains volatile and a return to violence is possible. FCDO continues to advise against all travel to Tripoli (‘Warnings and insurance’ page).",
        [],
    ),
    (
        "UK",
        "Uganda",
        "UG",
        "FCDO no longer advise against all but essential travel to Queen Elizabeth National Park, the area immediately south-west of Kasese town, or to Semuliki National Park (‘Regional risks’ page).",
        ["areas: removed"],
    ),
    (
        "UK",
        "Honduras",
        "HN",
        "Removal of information on US embassy advisory issued regarding potential mass shooting events in Tegucigalpa ('Warnings and insurance' page).",
        [],
    ),
    (
        "CA",
        "Nepal",
        "NP",
        "Risk level – avoid non-essential travel to Nepal; Safety and security – updated information on demonstrations",
        ["level: changed to 3"],
    ),
    (
        "CA",
        "Hong Kong",
        "HK",
        "Risk level – removed advisory to avoid non-essential travel; Natural disasters and climate – updated information on Typhoon Ragasa",
        ["level: down"],
    ),
    (
        "CA",
        "Saint Vincent & the Grenadines",
        "VC",
        "Risk levels – removed advisory to avoid non-essential travel to Union Island; Safety and security – removed information on Hurricane Beryl",
        ["areas: removed"],
    ),
    (
        "CA",
        "Brazil",
        "BR",
        "Risk levels – certain neighbourhoods in Rio de Janeiro – avoid all travel; Safety and security – updated information on major urban centres, spiked food and drinks, fraud and transportation",
        ["areas: added"],
    ),
    ("CA", "Rwanda", "RW", "Risk levels – updated regional risk levels", ["areas: changed"]),
    ("CA", "Antigua and Barbuda", "AG", "Risk level(s) – added map", []),
    (
        "CA",
        "Israel and Palestine",
        "IL",
        "Risk levels – exercise a high degree of caution in Israel; Safety and security – updated information on the tensions in the Middle East",
        ["level: changed to 2"],
    ),
    (
        "AU",
        "Qatar",
        "QA",
        "We’ve raised our level of advice for Qatar. We now advise exercise a high degree of caution due to ongoing hostilities in the region.",
        ["level: up", "level: changed to 2"],
    ),
    (
        "AU",
        "Oman",
        "OM",
        "We now advise exercise normal safety precautions in Oman. Higher levels apply in some areas.",
        ["level: changed to 1"],
    ),
    (
        "AU",
        "Kenya",
        "KE",
        "We continue to advise exercise a high degree of caution in Kenya overall due to the threat of terrorism and violent crime. Higher levels apply in some areas.",
        [],
    ),
    (
        "AU",
        "Colombia",
        "CO",
        "We've reviewed our advice for Colombia and continue to advise exercise a high degree of caution in Colombia overall due to the threat of violent crime and terrorism. We now also advise do not travel to the Catatumbo region in Norte de Santander and Cesar",
        ["areas: added"],
    ),
]


@pytest.mark.parametrize(("government", "name", "key", "note", "expected"), NOTES)
def test_government_notes_read_by_hand(government, name, key, note, expected):
    record = {"government": government, "country_name": name, "key": key, "country": key}
    assert [c.describe() for c in government_note.claims(note, record)] == expected


def test_every_distinct_government_note_in_the_corpus_reads():
    """No note makes the reader fail; every note's claims name a known subject and direction."""
    seen = 0
    for info in (SHARED / "fixtures" / "governments").glob("*/*/*/info.json"):
        reason = json.loads(info.read_text(encoding="utf-8")).get("update_reason")
        if not reason:
            continue
        government = {"unitedkingdom": "UK", "canada": "CA"}.get(info.parts[-4])
        record = {"government": government, "country_name": info.parts[-3]}
        for claim in government_note.claims(reason, record):
            assert claim.subject in {"level", "areas"}
            assert claim.change in {"up", "down", "changed", "added", "removed", "touched"}
        seen += 1
    assert seen > 3000


# --- the UK's tier read with an editor's hand ------------------------------------------------------


def _uk(destination: str, moment: str, edit=lambda text: text) -> dict:
    bundle = json.loads(bundle_bytes(UK / destination, moment, UK_ROLES))
    bundle["files"]["page"] = edit(bundle["files"]["page"])
    return uk_fcdo.extract(json.dumps(bundle).encode(), url=str(UK / destination / moment)).records[0].record


@pytest.mark.parametrize(
    "typo",
    [
        lambda t: t.replace(
            "FCDO advises against all travel to Burkina Faso.",
            "FCDO advices  against all travel to Burkina Faso.",
        ),
        lambda t: t.replace(
            "FCDO advises against all travel to Burkina Faso.",
            "FCDO advises against all\u00a0travel to Burkina Faso.",
        ),
        lambda t: t.replace(
            "FCDO advises against all travel to Burkina Faso.",
            "FCDO advises againt all travel to Burkina Faso.",
        ),
        lambda t: t.replace(
            "## Areas where FCDO advises against travel", "## Areas where  FCDO advices against travel"
        ),
    ],
)
def test_uk_tier_survives_typos_and_spacing(typo):
    """Burkina Faso, 2025-07-26 (the page reads "FCDO advises against all travel to Burkina Faso.")."""
    assert _uk("Burkina Faso", "2025-07-26T061352Z")["level"] == 4
    assert _uk("Burkina Faso", "2025-07-26T061352Z", typo)["level"] == 4


def test_uk_advises_against_followed_by_bullets():
    """Kenya, 2025-03-25 reads "FCDO advises against all but essential travel to:" and six bullets;
    written as "FCDO advises against:" with the advice in each bullet, the areas are the same."""
    plain = _uk("Kenya", "2025-03-25T213520Z")

    def bare(text: str) -> str:
        text = text.replace("FCDO advises against all but essential travel to:", "FCDO advises against:")
        return re.sub(r"^\* (?!see|read)", "* all but essential travel to ", text, flags=re.M)

    edited = _uk("Kenya", "2025-03-25T213520Z", bare)
    assert edited["level"] == plain["level"] == 2
    assert [a["level"] for a in edited["areas"]] == [a["level"] for a in plain["areas"]] == [3]


def test_uk_alert_status_is_the_tier_when_the_content_api_gives_it():
    assert (
        uk_fcdo.alert_status_tier(
            ["avoid_all_travel_to_parts", "avoid_all_but_essential_travel_to_whole_country"]
        )
        == 3
    )
    assert uk_fcdo.alert_status_tier(["avoid_all_travel_to_whole_country"]) == 4
    assert uk_fcdo.alert_status_tier([]) == 1


# --- no destination goes blind ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Nigerria", "NG"),
        ("Guinea-Bisau", "GW"),
        ("Columbia", "CO"),
        ("Kyrgystan", "KG"),
        ("Atlantis", None),
        ("Korea", None),
    ],
)
def test_a_misspelt_name_is_the_nearest_known_one_when_unambiguous(name, code):
    assert nearest_code(name) == code


def test_a_feed_item_with_an_unknown_name_keeps_its_destination():
    """A real item (Grenada, the first of the 2026-01-07 feed) retitled with a typo and with its tag removed,
    and retitled "See Individual Summaries": its name, then its link, name the destination."""
    feed = FEED_0107.read_text(encoding="utf-8")
    item = re.search(r"<item>.*?</item>", feed, re.S).group(0)
    records = state_dept_feed.extract(feed.encode()).records
    original = next(r for r in records if r.raw.strip() and r.record["title"] in item)
    untagged = re.sub(r"<category domain=\"Country-Tag\">[^<]*</category>", "", item)
    for title in ("Grenadaa - Level 2: Exercise Increased Caution", "See Individual Summaries"):
        retitled = re.sub(r"<title>[^<]*</title>", f"<title>{title}</title>", untagged)
        edited = state_dept_feed.extract(feed.replace(item, retitled).encode())
        assert not edited.problems
        assert original.key in {r.key for r in edited.records if r.record["url"] == original.record["url"]}
    assert destination_key(None, "See Individual Summaries", original.record["url"]) == original.key


# --- the hand-read sample and the announcements, over the real feed days --------------------------

HAND_READ = Path(__file__).parent / "corpus" / "hand_read_alerts.txt"


def hand_read(sources: set[str]) -> dict[str, list[str]]:
    """The hand-read sample's alerts of these sources: "source | key | date" -> claim lines."""
    out = {}
    for line in HAND_READ.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            source, key, date, claims, _verdict = line.split(" | ", 4)
            if source in sources:
                out[f"{source} | {key} | {date}"] = [c.strip() for c in claims.split(";")]
    return out


def stated(alerts: list[AlertPayload]) -> dict[str, list[str]]:
    return {
        f"{a.source} | {a.key} | {a.observed_at[:10]}": [claim_line(c) for c in a.changes]
        for a in alerts
        if not a.ops and a.source != "consensus"
    }


@pytest.fixture(scope="module")
def feed_days(tmp_path_factory) -> tuple[Settings, list[dict]]:
    """The two raw captures, then the 120 archived days, each into its own store."""
    alerts = []
    for name, files in (
        ("raw", sorted(STATE_DEPT.glob("TAsTWs-*.xml"))),
        ("archive", sorted(ARCHIVE.glob("*.xml"))),
    ):
        settings = Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp(name) / 'feed.db'}")
        alerts += [
            a for result in replay_files("state-dept-feed", files, settings=settings) for a in result.alerts
        ]
    return settings, alerts


def test_the_feed_alerts_state_exactly_what_was_read_by_hand(feed_days):
    _, alerts = feed_days
    assert stated(alerts) == hand_read({"state-dept-feed"})


def test_every_claim_names_its_witness_and_every_area_is_a_clean_name(feed_days):
    _, alerts = feed_days
    for alert in alerts:
        for change in alert.changes or []:
            assert change["witnesses"], change
            if SUBJECT.get(change["kind"]) == "areas" and change["item"] and change["kind"] != "area_revised":
                assert clean_area_name(change["item"]) == change["item"]
        if any("note" in c["witnesses"] for c in alert.changes or []):
            assert alert.note and alert.note_by == "State's change note"


def test_every_change_state_announced_in_the_archive_is_alerted(feed_days):
    settings, _ = feed_days
    with session_for(settings) as session:
        found = announcements.audit(session)
    assert found.missed == []
    assert found.announced["state-dept-feed"] >= 35
    withheld = sum(n for (s, _), n in found.withheld.items() if s == "state-dept-feed")
    assert found.alerted["state-dept-feed"] + withheld == found.announced["state-dept-feed"]
    assert {r for _, r in found.withheld} <= {"the field says otherwise"}


def test_slack_shows_each_claims_witness_and_quotes_the_note(feed_days):
    """Trinidad and Tobago, 2026-04-15: the area is read and confirmed, the −K rests on the note."""
    _, alerts = feed_days
    [alert] = [a for a in alerts if a.key == "TT"]
    blocks = render(alert)["blocks"]
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    changed = next(t for t in texts if t.startswith("*What changed*"))
    assert "+area rural areas (Level 2)  _(medium · read from the text + State's change note)_" in changed
    assert "−K indicator (per the note)  _(info · State's change note)_" in changed
    quoted = next(t for t in texts if t.startswith("*State's change note:*"))
    assert quoted.startswith("*State's change note:*\n>There was no change to the advisory level.")

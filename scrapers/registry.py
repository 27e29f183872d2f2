"""The one place sources are registered.

Entries are light (names, schedule, pool) so DAG files can read them at parse time without importing
any extractor; :func:`load` imports the source module when it is needed.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from diffing.tiers import Government
from scrapers.base import Source


@dataclass(frozen=True)
class SourceEntry:
    name: str
    module: str
    dag_id: str
    schedule: str
    pool: str
    pool_slots: int
    description: str
    batch_size: int | None = None  # planned URLs fetched by mapped tasks, this many per task
    # No task may run longer than this (Airflow's execution_timeout): with max_active_runs=1, a stuck
    # run would otherwise block every later run. The cycle itself stops fetching before it.
    task_timeout_minutes: int = 30
    # Data-aware: the DAG also runs whenever this source's live cycle changed something (its asset
    # event), so it follows within minutes; ``schedule`` is then only the fallback timer.
    after: str | None = None


# Backfilled runs fetch from the Internet Archive, whatever the source: one small pool for all of them.
ARCHIVE_POOL = "web_archive_org"
ARCHIVE_POOL_SLOTS = 2


def pools() -> dict[str, tuple[int, str]]:
    """Every Airflow pool the DAGs use: name -> (slots, description)."""
    found = {e.pool: (e.pool_slots, f"advisory-watch: {e.description}") for e in SOURCES.values()}
    found[ARCHIVE_POOL] = (ARCHIVE_POOL_SLOTS, "advisory-watch: the Wayback Machine (backfills)")
    return found


SOURCES: dict[str, SourceEntry] = {
    entry.name: entry
    for entry in (
        SourceEntry(
            name="state-dept-feed",
            module="scrapers.us_state.state_dept_feed",
            dag_id="state_dept_advisories",
            schedule="@hourly",
            pool="travel_state_gov",
            pool_slots=2,
            description="U.S. State Department travel advisories (RSS feed)",
            task_timeout_minutes=15,
        ),
        SourceEntry(
            name="oc-index",
            module="scrapers.oc_index.workbook",
            dag_id="organized_crime_index",
            schedule="@weekly",
            pool="ocindex_net",
            pool_slots=1,
            description="Global Organized Crime Index (official workbook)",
        ),
        SourceEntry(
            name="osac-report",
            module="scrapers.osac.osac_report",
            dag_id="osac_reports",
            schedule="@daily",
            pool="osac_gov",
            pool_slots=2,
            description="OSAC Country Security Reports (threat ratings, indicators, restricted zones)",
        ),
        SourceEntry(
            name="document",
            module="scrapers.documents.watchlist",
            dag_id="watched_documents",
            schedule="@daily",
            pool="documents",
            pool_slots=2,
            description="Watched documents: pages and PDF reports from the user's watchlist",
        ),
        SourceEntry(
            name="state-dept-page",
            module="scrapers.us_state.state_dept_page",
            dag_id="state_dept_pages",
            schedule="15 3 * * *",
            after="state-dept-feed",
            pool="travel_state_gov",
            pool_slots=2,
            description="State Dept advisory pages (explicit indicators, areas), when the feed changed",
            batch_size=25,
            task_timeout_minutes=20,
        ),
        SourceEntry(
            name="country-page",
            module="scrapers.us_state.country_page",
            dag_id="country_information_pages",
            schedule="@weekly",
            pool="travel_state_gov",
            pool_slots=2,
            description="State Department country information pages (restricted travel, emergency numbers)",
        ),
        # Other governments' travel advice, side by side with the U.S. (diffing.tiers): one source,
        # one DAG and one politeness pool each (each government is its own host).
        SourceEntry(
            name="uk-fcdo",
            module="scrapers.governments.uk_fcdo",
            dag_id="uk_fcdo_travel_advice",
            schedule="10 * * * *",
            pool="www_gov_uk",
            pool_slots=2,
            description="UK FCDO foreign travel advice (GOV.UK Content API)",
        ),
        SourceEntry(
            name="canada-travel",
            module="scrapers.governments.canada_travel",
            dag_id="canada_travel_advice",
            schedule="25 */3 * * *",
            pool="travel_gc_ca",
            pool_slots=1,
            description="Global Affairs Canada travel advice and advisories (travel.gc.ca)",
        ),
        SourceEntry(
            name="australia-smartraveller",
            module="scrapers.governments.australia_smartraveller",
            dag_id="australia_smartraveller_advice",
            schedule="40 */3 * * *",
            pool="www_smartraveller_gov_au",
            pool_slots=1,
            description="DFAT Smartraveller travel advice (smartraveller.gov.au)",
        ),
        SourceEntry(
            name="ireland-dfa",
            module="scrapers.governments.ireland_dfa",
            dag_id="ireland_dfa_travel_advice",
            schedule="55 */6 * * *",
            pool="www_ireland_ie",
            pool_slots=1,
            description="Ireland DFA travel advice (ireland.ie)",
        ),
    )
}


def names() -> list[str]:
    return sorted(SOURCES)


def names_in_order() -> list[str]:
    """The registered sources in the order they are registered (a government's first source first)."""
    return list(SOURCES)


def load(name: str) -> Source:
    try:
        entry = SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known sources: {', '.join(names())}") from None
    module = importlib.import_module(entry.module)
    if not isinstance(module, Source):
        raise TypeError(f"{entry.module} does not declare itself a source (declare(__name__) at its end)")
    return module


@dataclass(frozen=True)
class GovernmentSources:
    """A government, and the registered sources that carry its advice, in registry order (the first
    one with a record for a destination speaks for it: the U.S. feed before its advisory pages)."""

    government: Government
    sources: tuple[str, ...]

    @property
    def code(self) -> str:
        return self.government.code

    @property
    def name(self) -> str:
        return self.government.name

    @property
    def levels(self) -> tuple[str, str, str, str]:
        return self.government.levels


def governments() -> dict[str, GovernmentSources]:
    """Every government some registered source carries, by code, in registry order. Each source says
    whose advice it is (``Source.government``); nothing else lists them. Loads every source module."""
    found: dict[str, GovernmentSources] = {}
    for name in names_in_order():
        government = load(name).government
        if government is None:
            continue
        known = found.get(government.code)
        if known is not None and known.government != government:
            raise ValueError(f"{name} words government {government.code} differently from {known.sources}")
        sources = (*known.sources, name) if known else (name,)
        found[government.code] = GovernmentSources(government, sources)
    return found


def searchable() -> list[str]:
    """The sources the history browser's full-text search covers, in registry order."""
    return [name for name in names_in_order() if load(name).searchable]


def government_of(source_name: str) -> Government | None:
    """Whose advice a source carries (None for the sources that are not a government's advice, and
    for names that are not sources: ``consensus``, ``slack``)."""
    return load(source_name).government if source_name in SOURCES else None


# Members every source sets (what it is): listed as identity, not as what it declares beyond that.
_IDENTITY = frozenset({"name", "title", "extractor_version"})


def contract_members() -> list[str]:
    """Every member of the source contract (``scrapers.base.Source``), in the order it declares them."""
    names = list(Source.__annotations__) + [n for n in vars(Source) if n not in Source.__annotations__]
    return [n for n in dict.fromkeys(names) if not n.startswith("_")]


def declared_members(source: Source) -> list[str]:
    """The contract members a source sets itself or takes from its family, not from the defaults."""
    own = vars(source)
    family = [vars(k) for k in type(source).__mro__ if k is not Source and issubclass(k, Source)]
    return [
        m
        for m in contract_members()
        if m not in _IDENTITY and (m in own or any(m in members for members in family))
    ]


def documentation() -> list[dict[str, str]]:
    """One row per source, read from its class and its registry entry (``advisory-watch sources --doc``)."""
    rows = []
    for name in names_in_order():
        entry, source = SOURCES[name], load(name)
        family = type(source).__name__
        rows.append(
            {
                "source": name,
                "title": source.title,
                "family": family if family != "Source" else "",
                "government": source.government.code if source.government else "",
                "hosts": ", ".join(sorted(source.allowed_hosts)) or "(the watchlist's)",
                "dag": entry.dag_id,
                "schedule": entry.schedule + (f", after {entry.after}" if entry.after else ""),
                "declares": ", ".join(declared_members(source)),
            }
        )
    return rows

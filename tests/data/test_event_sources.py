"""Every event can be opened at its source (issue 13, "Dates and sources").

* every event cites at least one outlet with a URL to the report;
* every URL is an absolute https address as the outlet publishes it: no explicit port (":443"),
  no trailing dot on the host, no spaces;
* a citation without a URL is allowed only for the seed article, whose text is kept in
  ../shared/reference/seed-article.txt (its address was not found in any stored copy).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "data" / "events" / "kursk_2024_25.geojson"
SEED = {"outlet": "The New York Times", "date": "2025-03-13",
        "title": "As Russia Tries to Push Ukraine Out of Kursk, Here's What to Know"}


@pytest.fixture(scope="module")
def events() -> list[dict[str, Any]]:
    doc = json.loads(DATASET.read_text(encoding="utf-8"))
    return [f["properties"] for f in doc["features"]]


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a well-formed https address of a report, or None."""
    if not isinstance(url, str) or not url or any(c.isspace() for c in url):
        return "empty or contains whitespace"
    parts = urlsplit(url)
    if parts.scheme != "https":
        return f"scheme {parts.scheme!r}, not https"
    host = parts.hostname or ""
    if not host or "." not in host:
        return "no host name"
    if host.endswith("."):
        return "host ends with a dot"
    if parts.port is not None or parts.netloc.endswith(":"):
        return "explicit port"
    if parts.username or parts.password:
        return "credentials in the address"
    return None


def test_url_problem_catches_what_it_should() -> None:
    assert url_problem("https://www.pravda.com.ua/eng/news/2024/08/16/7470713/") is None
    assert url_problem("https://www.uawire.org:443/x") == "explicit port"
    assert url_problem("http://world.kbs.co.kr/service/news_view.htm") == "scheme 'http', not https"
    assert url_problem("https://kyivindependent.com./x") == "host ends with a dot"
    assert url_problem("https://x.org/a b") == "empty or contains whitespace"


def test_every_event_cites_a_report_with_a_url(events) -> None:
    missing = [p["event_id"] for p in events if not any(s.get("url") for s in p["sources"])]
    assert not missing, f"events without a citation one can open: {missing}"


def test_every_url_is_well_formed_https(events) -> None:
    bad = [(p["event_id"], s["url"], url_problem(s["url"]))
           for p in events for s in p["sources"] if "url" in s and url_problem(s["url"])]
    assert not bad, bad


def test_only_the_seed_article_is_cited_without_a_url(events) -> None:
    for p in events:
        for s in p["sources"]:
            if "url" not in s:
                assert s == SEED, (p["event_id"], s)


def test_no_event_cites_the_same_url_twice(events) -> None:
    for p in events:
        urls = [s["url"] for s in p["sources"] if "url" in s]
        assert len(urls) == len(set(urls)), p["event_id"]

"""What the whole suite shares: the report site, built once, and how tests spread over workers.

The full report site executes every notebook (the slowest thing the suite does), so it is built
once per session (``site``) and every test that reads it (the report's checks, the figure
checks in Chromium, the notebooks' static runs) takes it from here.

With pytest-xdist (``make test`` runs ``-n 2 --dist loadgroup``), tests are sent to workers a
whole module at a time, so a module's fixtures are built by one worker only; every test that
reads ``site`` goes to the one worker that builds it (group ``report-site``), and likewise every
test that uses the Spark session (group ``spark``). The rest of a module that reads the site
runs on the other worker meanwhile.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from scoring.report import BuildResult, build_reports

#: Session fixtures that take long to build, and the xdist group of every module using one:
#: the full report site, and the local Spark session (a JVM).
SHARED_FIXTURE_GROUPS = {"site": "report-site", "spark": "spark"}

# Hypothesis: the "ci" profile (the default; HYPOTHESIS_PROFILE picks another) keeps every
# test's own number of examples and drops the time limit per example, which two workers on a
# shared machine would trip for reasons that are not the code's; a failure prints the blob that
# reproduces it.
settings.register_profile("ci", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The full reports (real notebooks, example cases), built once per session.

    ``ZARO_TEST_SITE=DIR`` checks a site already built there (``zaro report --out DIR``)
    instead: a build takes minutes, so this saves them while one works on the pages.
    """
    built = os.environ.get("ZARO_TEST_SITE")
    if built:
        root = Path(built)
        return BuildResult(
            out_dir=root,
            index=root / "index.html",
            notebook_pages=tuple(sorted((root / "notebooks").glob("*.html"))),
            case_pages=tuple(sorted((root / "cases").glob("*.html"))),
            files=(),
        )
    return build_reports(tmp_path_factory.mktemp("site") / "reports", progress=False)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give each test an xdist group: a shared fixture's if it uses one, else its module's.

    A test marked ``xdist_group`` keeps its own group. A test reading the full report site is
    marked ``slow`` (the build executes every notebook), so ``-m "not slow"`` leaves it out.
    """
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "site" in fixtures and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)
        if item.get_closest_marker("xdist_group") is None:
            shared = [SHARED_FIXTURE_GROUPS[name] for name in fixtures if name in SHARED_FIXTURE_GROUPS]
            item.add_marker(pytest.mark.xdist_group(shared[0] if shared else str(item.path)))

"""The generated walks of tests/dossiers/lifecycle_paths.py: what they cover, and their shares."""

from collections import Counter
from datetime import date
from pathlib import Path

from tests.dossiers import lifecycle_paths
from tests.dossiers.lifecycle_paths import NAMES, SHARES
from tests.walker import DEFINITIONS, other_unit_steps


def test_the_generated_suite_covers_every_shipped_procedure():
    assert len(NAMES) >= 16
    assert date(2026, 3, 3).weekday() == 1  # T0 is a Tuesday
    inter_agency = [n for n in NAMES if other_unit_steps(DEFINITIONS[n])]
    assert len(inter_agency) >= 2, inter_agency


def test_the_shares_walk_every_case_once():
    walked = Counter(case for part in range(SHARES) for case in lifecycle_paths.share(part))
    assert set(walked) == set(lifecycle_paths.cases()) and set(walked.values()) == {1}
    assert {path for path, _ in walked} == set(lifecycle_paths.PATHS)
    # A module per share, each walking its own.
    here = Path(__file__).parent
    found = sorted(p.name for p in here.glob("test_lifecycle_paths_*.py"))
    assert found == sorted(f"test_lifecycle_paths_{i}.py" for i in range(1, SHARES + 1))
    for i in range(1, SHARES + 1):
        assert f"lifecycle_paths.share({i - 1})" in (here / f"test_lifecycle_paths_{i}.py").read_text()

"""The mutation list of ``tools/mutation_check.py`` still fits the source.

A pattern found more than once would mutate an unintended place, and a
mutation that does not parse tests nothing. A pattern that vanished (the code
moved) fails too: the script would silently try one bug fewer.
"""

import ast
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "mutation_check", ROOT / "tools" / "mutation_check.py"
)
mutation_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mutation_check)


@pytest.mark.parametrize("mutation", mutation_check.MUTATIONS, ids=lambda m: m.name)
def test_mutation_applies_once_and_parses(mutation):
    source = (ROOT / mutation.path).read_text()
    assert source.count(mutation.pattern) == 1
    assert mutation.pattern != mutation.replacement
    ast.parse(source.replace(mutation.pattern, mutation.replacement))
    for test in mutation.tests:
        assert not test.startswith("tests/") or (ROOT / test).is_file()


def test_mutation_names_are_unique():
    names = [mutation.name for mutation in mutation_check.MUTATIONS]
    assert len(names) == len(set(names))

"""Fuzzing the policy-file readers: ``policy_from_dict``, ``policy_from_toml``, ``load_policy``.

The example policy (every section of the format) is the seed: its dictionary
edited at random (keys deleted, renamed, values of the wrong type, huge and
negative numbers, odd text), and its TOML text edited line by line.
"""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from fuzzing import attempt, junk, line_edits, mutated, odd_text, temp_file, toml_values
from hypothesis import given
from hypothesis import strategies as st

from slaclock.errors import PolicyFormatError, SlaClockError
from slaclock.policies import PolicyBook
from slaclock.policy_files import (
    example_policy_path,
    load_policy,
    policy_from_dict,
    policy_from_toml,
)

pytestmark = pytest.mark.fuzz

TEXT = example_policy_path().read_text(encoding="utf-8")
DATA = tomllib.loads(TEXT)


def _book(call: Any, source: str) -> PolicyBook | SlaClockError:
    got = attempt(call, source)
    if not isinstance(got, PolicyBook):
        assert isinstance(got, PolicyFormatError), repr(got)
        assert got.field == source or got.field.startswith(f"{source}: "), got.field
    return got


def _from_toml(text: str) -> PolicyBook | SlaClockError:
    got = _book(lambda: policy_from_toml(text, source="policy.toml"), "policy.toml")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        assert isinstance(got, PolicyFormatError)
        assert "is not valid TOML" in got.problem
        return got
    # TOML text and the dictionary it holds give the same book, or the same mistake
    again = _book(lambda: policy_from_dict(data, source="policy.toml"), "policy.toml")
    if isinstance(got, PolicyBook):
        assert again == got
    else:
        assert isinstance(again, PolicyFormatError)
        assert str(again) == str(got)
    return got


class TestPolicyDicts:
    def test_the_seed_reads(self) -> None:
        assert isinstance(policy_from_dict(DATA), PolicyBook)

    @given(mutated(DATA, values=toml_values))
    def test_edited_dict_reads_or_names_the_key(self, data: Any) -> None:
        _book(lambda: policy_from_dict(data, source="policy.toml"), "policy.toml")

    @given(mutated(DATA, values=junk, max_edits=6))
    def test_dict_with_many_edits_and_python_values_reads_or_names_the_key(self, data: Any) -> None:
        _book(lambda: policy_from_dict(data, source="<dict>"), "<dict>")

    @given(junk)
    def test_junk_reads_or_names_the_source(self, data: Any) -> None:
        _book(lambda: policy_from_dict(data), "<dict>")

    @given(
        st.fixed_dictionaries(
            {
                "severities": st.one_of(st.just(["P1", "P2"]), junk),
                "statuses": st.one_of(st.just({"open": "running", "solved": "stopped"}), junk),
                "policies": st.one_of(
                    st.lists(
                        st.fixed_dictionaries(
                            {"name": st.one_of(st.just("Support"), odd_text)},
                            optional={
                                "targets": st.dictionaries(
                                    st.one_of(st.sampled_from(["P1", "P2"]), odd_text),
                                    st.dictionaries(
                                        st.one_of(
                                            st.sampled_from(
                                                ["resolution", "first_response", "next_reply"]
                                            ),
                                            odd_text,
                                        ),
                                        st.dictionaries(
                                            st.sampled_from(
                                                [
                                                    "calendar_time",
                                                    "business_time",
                                                    "business_days",
                                                    "calendar",
                                                    "warnings",
                                                    "required",
                                                    "reopen",
                                                    "start_on",
                                                    "stop_on",
                                                    "statuses",
                                                ]
                                            ),
                                            st.one_of(odd_text, toml_values),
                                            max_size=3,
                                        ),
                                        max_size=2,
                                    ),
                                    max_size=2,
                                ),
                                "valid_from": toml_values,
                                "when": junk,
                                "calendar": junk,
                                "warnings": st.lists(odd_text, max_size=3),
                                "extends": odd_text,
                            },
                        ),
                        max_size=2,
                    ),
                    junk,
                ),
            },
            optional={
                "zone": odd_text,
                "initial_status": odd_text,
                "calendars": st.dictionaries(odd_text, junk, max_size=2),
            },
        )
    )
    def test_small_books_of_odd_values_read_or_name_the_key(self, data: Any) -> None:
        _book(lambda: policy_from_dict(data, source="<dict>"), "<dict>")


class TestPolicyToml:
    def test_the_seed_reads(self) -> None:
        assert _from_toml(TEXT) == policy_from_dict(DATA, source="policy.toml")

    @given(line_edits(TEXT))
    def test_edited_text_reads_or_names_the_line_or_key(self, text: str) -> None:
        _from_toml(text)

    @given(line_edits(TEXT, max_edits=8))
    def test_text_with_many_edits_reads_or_names_the_line_or_key(self, text: str) -> None:
        _from_toml(text)

    @given(st.one_of(odd_text, st.text(alphabet='[]{}=".,# \nabcPz0129-:', max_size=60)))
    def test_any_text_reads_or_names_the_source(self, text: str) -> None:
        _from_toml(text)

    @given(st.binary(max_size=40), st.integers(0, len(TEXT.encode())))
    def test_a_file_with_bytes_spliced_in_reads_or_names_the_file(
        self, junk_bytes: bytes, at: int
    ) -> None:
        raw = TEXT.encode()
        with temp_file(raw[:at] + junk_bytes + raw[at:], ".toml") as path:
            _book(lambda: load_policy(path), path)

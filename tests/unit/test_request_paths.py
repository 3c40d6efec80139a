"""Keys never change a request path: `path_segment` refuses what a client or Salesforce would not
read as one segment (defence in depth behind the models' key validation)."""

from __future__ import annotations

import pytest

from connector.errors import PermanentError
from connector.salesforce.client import path_segment


@pytest.mark.parametrize("key", ["..", ".", "", "a/b", "../Account"])
def test_a_key_that_would_change_the_path_is_a_permanent_error(key):
    with pytest.raises(PermanentError):
        path_segment(key)


@pytest.mark.parametrize(("key", "segment"), [("00001001", "00001001"), ("a..b", "a..b"), ("a b", "a%20b")])
def test_an_ordinary_key_is_one_escaped_segment(key, segment):
    assert path_segment(key) == segment

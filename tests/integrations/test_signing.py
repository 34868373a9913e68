from steward.integrations import signing


def test_a_signature_verifies_and_a_changed_body_or_secret_does_not():
    header = signing.header_value("s3cret", 1_700_000_000, b'{"a":1}')
    assert signing.verify("s3cret", header, b'{"a":1}', now=1_700_000_010)
    assert not signing.verify("s3cret", header, b'{"a":2}', now=1_700_000_010)
    assert not signing.verify("other", header, b'{"a":1}', now=1_700_000_010)


def test_an_old_timestamp_is_refused():
    header = signing.header_value("s3cret", 1_700_000_000, b"{}")
    assert not signing.verify("s3cret", header, b"{}", now=1_700_000_000 + 301)


def test_garbage_headers_are_refused():
    for header in ("", "t=abc,v1=00", "v1=00", "t=1"):
        assert not signing.verify("s3cret", header, b"{}", now=1)


def test_the_documented_example_signature():
    """docs/operations.md shows this computation; keep them in step."""
    assert signing.signature("whsec_example", 1764000000, b'{"id":"1"}') == (
        "39e1f722abfca1d17544faa53d45b1d904165f728da1e6479f09f2a11b484d6f")


def test_back_off_doubles_and_is_capped():
    assert [signing.backoff_seconds(n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert signing.backoff_seconds(30) == 6 * 3600

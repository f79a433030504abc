"""Safe file names from authority codes and periods."""

from __future__ import annotations

from perfassess.io.names import safe_filename, safe_filenames


def test_ordinary_codes_and_periods_are_kept() -> None:
    for text in ("E06000001", "2018-19", "S12000033", "a_b"):
        assert safe_filename(text) == text


def test_unsafe_text_gets_a_hashed_name_with_only_safe_characters() -> None:
    for text in ("../../etc/passwd", "a/b", "a\\b", ".hidden", "..", "", "x" * 100, "CON",
                 "nul", "E1 ", "Ölpiste", "a.b"):
        name = safe_filename(text)
        assert name != text
        assert all(c.isascii() and (c.isalnum() or c in "-_") for c in name), name
        assert len(name) <= 64 + 17


def test_different_texts_never_share_a_name() -> None:
    texts = ["a/b", "a\\b", "a_b", "a b", "a.b", "A/B"]
    names = [safe_filename(t) for t in texts]
    assert len(set(names)) == len(texts)


def test_names_differing_only_by_case_are_kept_apart() -> None:
    names = safe_filenames(["E1", "e1", "E2"])
    assert names["E2"] == "E2"
    assert names["E1"] != names["e1"]
    assert names["E1"].casefold() != names["e1"].casefold()


def test_a_code_crafted_to_look_like_another_hashed_name_does_not_clash() -> None:
    crafted = safe_filename("a/b")  # e.g. 'a_b-<hash>': a perfectly safe code in itself
    names = safe_filenames(["a/b", crafted])
    assert names["a/b"] != names[crafted]

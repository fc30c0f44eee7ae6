"""The public lexicon: built from wordfreq once, then read from the user's cache folder."""

from __future__ import annotations

from amalgam_rel.generation import lexicon


def test_the_lexicon_is_cached_and_read_back_whole(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    lexicon.public_words.cache_clear()
    try:
        built = lexicon.public_words()
        cached = list((tmp_path / "amalgam-rel").glob("lexicon-*.txt"))
        assert len(cached) == 1 and not list((tmp_path / "amalgam-rel").glob("*.tmp"))
        lexicon.public_words.cache_clear()
        assert lexicon.public_words() == built and "world" in built and "berlin" in built
        cached[0].write_text("only\nthree\nwords", encoding="utf-8")  # damaged: built again
        lexicon.public_words.cache_clear()
        assert lexicon.public_words() == built
    finally:
        lexicon.public_words.cache_clear()

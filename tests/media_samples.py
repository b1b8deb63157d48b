"""Kept for bench/, which builds its big inputs with these; the tests import
tests.helpers.samples. Remove once bench imports from there."""

from tests.helpers.samples import big_mp4, with_segments, xmp_segments

__all__ = ["big_mp4", "with_segments", "xmp_segments"]

"""The pool processes' malloc settings apply on this (glibc) system."""

import platform

import pytest

from vssid_ocr_qr.adapters.memory import keep_freed_memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_malloc_keeps_freed_memory_on_glibc() -> None:
    assert keep_freed_memory()

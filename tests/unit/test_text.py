"""NFC and the name key: Vietnamese names compare equal across case, marks and tone placement."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from vssid_shared.text import name_key, nfc


def test_nfc_composes_decomposed_text() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn Hòa")
    assert decomposed != "Nguyễn Văn Hòa"
    assert nfc(decomposed) == "Nguyễn Văn Hòa"


def test_name_key_matches_upper_case_without_marks_and_stray_spaces() -> None:
    assert name_key("Nguyễn Văn Hòa") == name_key("NGUYEN VAN HOA ") == "nguyen van hoa"


def test_name_key_matches_old_and_new_tone_placement() -> None:
    old, new = "Nguyễn Văn Hoà", "Nguyễn Văn Hòa"  # tone on the a vs on the o
    assert nfc(old) != nfc(new)
    assert name_key(old) == name_key(new)


def test_name_key_maps_stroked_d_both_cases() -> None:
    assert name_key("Đặng Đức Đạt") == "dang duc dat"
    assert name_key("đặng đức đạt") == "dang duc dat"


def test_name_key_collapses_every_kind_of_whitespace() -> None:
    assert name_key("  Lê\tNgọc\u00a0\u00a0Hân\n") == "le ngoc han"


def test_name_key_treats_nfd_input_like_nfc() -> None:
    name = "Trần Thị Mai Anh"
    assert name_key(unicodedata.normalize("NFD", name)) == name_key(name) == "tran thi mai anh"


def test_name_key_tells_different_names_apart() -> None:
    assert name_key("Lê Gia Huy") != name_key("Lê Gia Hủy Hoàng")
    assert name_key("") == ""


VIETNAMESE = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
names = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + " \t", max_size=40)


@given(names)
def test_name_key_is_idempotent_and_normalisation_blind(name: str) -> None:
    key = name_key(name)
    assert name_key(key) == key
    assert name_key(unicodedata.normalize("NFD", name)) == key
    assert name_key(name.upper()) == key
    assert key.isascii()
    assert key == key.strip()
    assert "  " not in key

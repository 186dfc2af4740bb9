import pytest

from common.i18n import format_size

# What a reader sees beside an attachment, in each offered language.
SIZES = [
    (50, "en", "50 bytes"),
    (1, "en", "1 byte"),
    (50, "fr", "50 octets"),
    (50, "de", "50 Byte"),
    (50, "es", "50 bytes"),
    (2560, "en", "2.5 kB"),
    (int(2.5 * 1024**2), "fr", "2,5 Mo"),
    (0, "en", "0 bytes"),
]


@pytest.mark.parametrize("size,language,expected", SIZES)
def test_a_file_size_reads_as_its_language_writes_it(size, language, expected):
    assert format_size(size, language).replace("\u202f", " ").replace("\xa0", " ") == expected

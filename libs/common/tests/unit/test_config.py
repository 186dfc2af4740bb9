import pytest

from common.config import ConfigError, Env, as_bool, as_list, as_size, human_size


def test_missing_required_key_names_it():
    with pytest.raises(ConfigError, match="TICKETS_DATABASE_URL or DATABASE_URL"):
        Env("TICKETS_", {})("DATABASE_URL")


def test_prefixed_key_wins_over_plain_key():
    env = Env("TICKETS_", {"TICKETS_DATABASE_URL": "a", "DATABASE_URL": "b"})
    assert env("DATABASE_URL") == "a"


def test_plain_key_is_the_fallback_and_defaults_apply():
    env = Env("TICKETS_", {"DATABASE_URL": "b"})
    assert env("DATABASE_URL") == "b"
    assert env("PORT", int, 8080) == 8080


def test_bad_value_names_the_key():
    with pytest.raises(ConfigError, match="PORT"):
        Env("", {"PORT": "eighty"})("PORT", int)


def test_casts():
    assert as_bool("Yes") is True and as_bool("off") is False
    assert as_list(" a, ,b ") == ["a", "b"]


def test_a_value_can_come_from_a_file(tmp_path):
    secret = tmp_path / "url"
    secret.write_text("postgresql://db/x\n")
    assert Env("TICKETS_", {"DATABASE_URL_FILE": str(secret)})("DATABASE_URL") == "postgresql://db/x"


def test_an_unreadable_file_names_the_setting(tmp_path):
    with pytest.raises(ConfigError, match="DATABASE_URL_FILE"):
        Env("", {"DATABASE_URL_FILE": str(tmp_path / "missing")})("DATABASE_URL")


@pytest.mark.parametrize("raw,expected", [("1024", 1024), ("25M", 25 * 1024**2), ("25 MB", 25 * 1024**2),
                                          ("2GiB", 2 * 1024**3), ("512k", 512 * 1024)])
def test_sizes_take_binary_units(raw, expected):
    assert as_size(raw) == expected


@pytest.mark.parametrize("raw", ["", "ten", "5X", "-3", "1.5M"])
def test_a_bad_size_is_refused(raw):
    with pytest.raises(ValueError):
        as_size(raw)


def test_sizes_are_named_in_the_units_settings_take():
    assert [human_size(n) for n in (900, 1536, 25 * 1024**2, 3 * 1024**3)] == ["900 bytes", "1.5 KB", "25 MB", "3 GB"]

import pytest

from identity.domain.errors import PasswordRejected
from identity.domain.passwords import MIN_LENGTH, check_password, common_passwords


def test_accepts_a_long_uncommon_password():
    assert check_password("correct horse battery") == "correct horse battery"


@pytest.mark.parametrize("password", [None, "", 12345678901])
def test_refuses_a_missing_password(password):
    with pytest.raises(PasswordRejected, match="Choose a password"):
        check_password(password)


def test_refuses_a_short_password_and_says_the_minimum():
    with pytest.raises(PasswordRejected, match=f"at least {MIN_LENGTH} characters"):
        check_password("xk3" * 3)


@pytest.mark.parametrize("password", ["1234567890", "qwertyuiop", "Password123!", "QWERTYUIOP1", "aaaaaaaaaaaa"])
def test_refuses_common_passwords_and_says_why(password):
    with pytest.raises(PasswordRejected, match="too common"):
        check_password(password)


def test_refuses_the_email_as_password():
    with pytest.raises(PasswordRejected, match="email"):
        check_password("someone.long@example.com", email="someone.long@example.com")


def test_refuses_an_overlong_password():
    with pytest.raises(PasswordRejected, match="too long"):
        check_password("x1" * 200)


def test_ships_a_list_of_ten_thousand_common_passwords():
    passwords = common_passwords()
    assert len(passwords) == 10000
    assert "password" in passwords and not any(p.startswith("#") for p in passwords)

"""Canonical email: the spellings of one mailbox that must find one lead."""

from __future__ import annotations

import pytest
from leadflow.domain.identity import canonical_email, email_domain, free_mail_domains, is_free_mail


def test_case_differences_give_the_same_canonical_email() -> None:
    assert canonical_email("Ada.Lovelace@Northwind.EXAMPLE") == canonical_email("ada.lovelace@northwind.example")


def test_plus_tag_is_dropped_for_any_domain() -> None:
    assert canonical_email("ada+webinar@northwind.example") == "ada@northwind.example"


def test_dots_in_a_gmail_local_part_are_ignored() -> None:
    assert canonical_email("a.da.love.lace@gmail.com") == "adalovelace@gmail.com"


def test_dots_outside_gmail_are_kept() -> None:
    assert canonical_email("ada.lovelace@outlook.com") == "ada.lovelace@outlook.com"


def test_display_name_form_gives_the_bare_address() -> None:
    assert canonical_email("Ada Lovelace <Ada@Northwind.example>") == "ada@northwind.example"


def test_googlemail_address_is_the_same_mailbox_as_gmail() -> None:
    assert canonical_email("Ada.Lovelace+news@googlemail.com") == "adalovelace@gmail.com"


def test_address_that_is_only_a_tag_keeps_its_local_part() -> None:
    assert canonical_email("+promo@northwind.example") == "+promo@northwind.example"


def test_text_without_at_sign_is_not_an_email() -> None:
    with pytest.raises(ValueError, match="not an email address"):
        canonical_email("ada.northwind.example")


def test_email_domain_is_the_lowercase_part_after_the_at_sign() -> None:
    assert email_domain("Ada <ada@Mail.Northwind.Example>") == "mail.northwind.example"


@pytest.mark.parametrize(
    "domain", ["gmail.com", "yahoo.co.uk", "hotmail.com", "outlook.com", "icloud.com", "proton.me", "gmx.de", "qq.com"]
)
def test_common_free_mail_providers_are_free_mail(domain: str) -> None:
    assert is_free_mail(domain)


def test_free_mail_check_ignores_case() -> None:
    assert is_free_mail("GMail.com")


def test_company_domain_is_not_free_mail() -> None:
    assert not is_free_mail("siemens.com")


def test_bundled_free_mail_list_is_lowercase_domains_without_comments() -> None:
    domains = free_mail_domains()
    assert len(domains) >= 100
    assert all(domain == domain.lower() and "." in domain and " " not in domain for domain in domains)

"""Semantic types from column names, tables, types and value patterns (amalgam_rel.generation.semantic.detect)."""

import pytest

from amalgam_rel.generation.semantic.detect import TYPES, semantic_type
from amalgam_rel.schema.types import Kind, SqlType

VARCHAR = SqlType("VARCHAR", Kind.STRING)


def kind_of(name, values=None, **context):
    found = semantic_type(name, VARCHAR, values, **context)
    return None if found is None else found.name


@pytest.mark.parametrize("name, expected", [
    ("FirstName", "first_name"), ("first_name", "first_name"), ("fname", "first_name"), ("Vorname", "first_name"),
    ("prénom", "first_name"), ("given_name", "first_name"),
    ("LastName", "last_name"), ("surname", "last_name"), ("Nachname", "last_name"), ("family-name", "last_name"),
    ("ContactName", "full_name"), ("Email", "email"), ("EMAIL_ADDRESS", "email"), ("e_mail", "email"),
    ("Phone", "phone"), ("Fax", "phone"), ("mobilePhone", "phone"), ("c_phone", "phone"),
    ("Address", "street_address"), ("BillingAddress", "street_address"), ("ShipCity", "city"),
    ("State", "state"), ("PostalCode", "postcode"), ("zip_code", "postcode"), ("Country", "country"),
    ("BillingCountry", "country"), ("country_code", "country_code"), ("CompanyName", "company"),
    ("website", "url"), ("ip_address", "ip_address"), ("IPAddress", "ip_address"), ("user_name", "username"),
    ("password_hash", "password"), ("JobTitle", "job_title"), ("language", "language"),
])
def test_names_in_any_spelling(name, expected):
    assert kind_of(name) == expected


@pytest.mark.parametrize("name", ["Title", "Name", "Composer", "description", "status", "Total", "code", "notes"])
def test_names_that_say_nothing(name):
    assert kind_of(name) is None


def test_a_bare_name_is_a_person_only_in_a_table_of_people():
    people = ["Ana López", "Bo Jensen", "Chloé Martin", "Dara Ó Briain"]
    assert kind_of("name", people, table="customers") == "full_name"
    assert kind_of("Name", ["Rock", "Jazz", "Metal", "Alternative & Punk"], table="Genre") is None
    assert kind_of("Name", ["For Those About To Rock", "Balls to the Wall"], table="Track") is None
    assert kind_of("Name", ["AC/DC", "Accept", "Aerosmith"], table="Artist") is None
    # a customer table holding companies under `name` is not a table of person names
    assert kind_of("name", ["Acme Inc.", "Globex GmbH", "Initech Ltd", "Umbrella Corp"], table="customer") is None


def test_a_name_hint_must_agree_with_the_values():
    assert kind_of("email", ["yes", "no", "yes"]) is None
    assert kind_of("phone", ["call after 5pm", "never"]) is None
    assert kind_of("Phone", ["+55 (12) 3923-5555", "+49 0711 2842222", "+1 (514) 721-4711"]) == "phone"


def test_patterns_decide_without_a_name():
    assert kind_of("contact", ["luisg@embraer.com.br", "ftremblay@gmail.com", "x@y.org"]) == "email"
    assert kind_of("target", ["https://a.io/x", "http://b.org"]) == "url"
    assert kind_of("origin", ["10.0.0.1", "192.168.12.255", "8.8.8.8"]) == "ip_address"
    assert kind_of("digest", ["5d41402abc4b2a76b9719d911017c592", "7d793037a0760186574b0282f2f435e7"]) == "hash"
    assert kind_of("comment", ["nice", "ok", "see a@b.org"]) is None


def test_only_strings_and_context():
    assert semantic_type("FirstName", SqlType("INTEGER", Kind.INTEGER)) is None
    assert kind_of("Region", table="Customers", columns=["City", "Region", "PostalCode"]) == "state"
    assert kind_of("Region", table="country", columns=["Name", "Continent", "Region"]) is None
    assert kind_of("Name", ["Kabul", "Qandahar"], table="city") == "city"
    assert kind_of("n_name", ["GERMANY", "FRANCE"], table="nation") == "country"


def test_person_like_and_locale_sources():
    assert {t.name for t in TYPES.values() if t.person_like} >= {"first_name", "last_name", "full_name", "email", "phone",
                                                                  "street_address"}
    assert not TYPES["city"].person_like and not TYPES["company"].person_like
    assert {t.name for t in TYPES.values() if t.locale_source} == {"country", "country_code", "language"}

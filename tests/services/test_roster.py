"""The leadership roster read from CSV: every row checked, then compared with the people stored."""

from __future__ import annotations

import pytest

from assessment.services.people.fields import name_problem
from assessment.services.people.roster import (
    MAX_BYTES,
    FieldChange,
    Outcome,
    Roster,
    RosterRow,
    Stored,
    counts,
    decode,
    fingerprint,
    parse_roster,
    plan_import,
)

PERMISSIONS = ("admin", "committee", "hr_coordinator", "fact_owner")
HEADER = "email,name,role,permissions\n"


def parse(text: str, **options: int) -> Roster:
    return parse_roster(text, permissions=PERMISSIONS, **options)


def only_row(text: str) -> RosterRow:
    roster = parse(text)
    assert roster.problem is None, roster.problem
    assert len(roster.rows) == 1
    return roster.rows[0]


# --- reading the file ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbfemail", "email"),
        (b"email", "email"),
        ("émile".encode(), "émile"),
    ],
    ids=["bom-dropped", "no-bom", "utf8-accents"],
)
def test_roster_decode_accepts_utf8_with_or_without_bom(data, expected):
    assert decode(data) == (expected, None)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ("é".encode("latin-1"), "not UTF-8"),
        (b"x" * (MAX_BYTES + 1), "larger than 200 kB"),
    ],
    ids=["latin-1", "too-large"],
)
def test_roster_decode_refuses_other_encodings_and_large_files(data, problem):
    text, found = decode(data)
    assert text == "" and found is not None and problem in found


@pytest.mark.parametrize(
    ("text", "row"),
    [
        (
            HEADER + "ceo@example.com,Casey Chief,ceo,committee\n",
            ("ceo@example.com", "Casey Chief", "ceo", ("committee",)),
        ),
        (
            "\ufeffEmail;Name;Role;Permissions\r\n"
            "CEO@Example.COM;Casey Chief;CEO;committee admin\r\n",
            ("ceo@example.com", "Casey Chief", "ceo", ("admin", "committee")),
        ),
        (
            "permissions,role,name,email\nfact_owner|committee,Chief Information Officer,"
            "Chris Info,cio@example.com\n",
            ("cio@example.com", "Chris Info", "cio", ("committee", "fact_owner")),
        ),
        (
            HEADER + 'it@example.com,"Tech, Ivan",IT manager,"fact_owner;committee"\n',
            ("it@example.com", "Tech, Ivan", "it_manager", ("committee", "fact_owner")),
        ),
        (
            HEADER + "hr@example.com,  Harriet   Ray ,,\n",
            ("hr@example.com", "Harriet   Ray", None, ()),
        ),
        (
            HEADER + "legal@example.com,Lee Gal,legal-executive,FACT_OWNER\n",
            ("legal@example.com", "Lee Gal", "legal", ("fact_owner",)),
        ),
        (
            "E-mail,Name,Role,Permissions,Department\nx@example.com,Xavier,,,Finance\n",
            ("x@example.com", "Xavier", None, ()),
        ),
    ],
    ids=[
        "plain",
        "bom-semicolons-crlf-labels-upper-case",
        "columns-in-any-order-long-role-name-pipe",
        "quoted-comma-in-name-and-semicolon-list",
        "blank-role-and-permissions",
        "role-label-with-hyphen-and-upper-case-permission",
        "e-mail-header-and-extra-column",
    ],
)
def test_roster_reads_a_valid_row(text, row):
    parsed = only_row(text)
    assert (parsed.email, parsed.name, parsed.role, parsed.permissions) == row
    assert parsed.errors == ()
    assert parsed.line == 2


def test_roster_lists_ignored_columns():
    roster = parse("email,name,role,permissions,department\nx@example.com,X,,,Finance\n")
    assert roster.ignored_columns == ("department",)


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ("nobody,Nobody,,", "E-mail: An email address must have an @-sign."),
        ("a@b,Ann,,", "E-mail: The part after the @-sign is not valid"),
        ('"ceo@example.com\u202e",Casey,,', "E-mail: The email address contains unsafe"),
        (",Nameless,,", "E-mail: Enter the e-mail address."),
        ("x@example.com,Xavier,boss,", "Unknown role “boss”: leave it blank or use one of ceo"),
        ("x@example.com,Xavier,,root", "Unknown permission “root”: use admin, committee"),
        ("x@example.com,Xavier,,admin root god", "Unknown permission “god”, “root”"),
        ("x@example.com,,,", "Enter the person's name."),
        ('x@example.com,=HYPERLINK("https://a.example"),,', "cannot start with =, +, - or @"),
        ("x@example.com,+1+cmd,,", "cannot start with =, +, - or @"),
        ("x@example.com,-2+3+cmd,,", "cannot start with =, +, - or @"),
        ("x@example.com,@SUM(1+1),,", "cannot start with =, +, - or @"),
        ("x@example.com,\tTab,,", "The name must not contain control characters."),
        ("x@example.com,Evil\u202eNAME,,", "invisible formatting characters (U+202E)"),
        ("x@example.com,Nul\x00Byte,,", "The name must not contain control characters."),
        ("x@example.com," + "n" * 201 + ",,", "The name is too long: at most 200 characters."),
        ("x@example.com,Xavier,ceo", "This row has 3 values; the header row has 4 columns."),
    ],
    ids=[
        "no-at-sign",
        "no-dot-in-domain",
        "bidi-in-email",
        "blank-email",
        "unknown-role",
        "unknown-permission",
        "several-unknown-permissions-sorted",
        "blank-name",
        "formula-equals",
        "formula-plus",
        "formula-minus",
        "formula-at",
        "leading-tab",
        "bidi-override-in-name",
        "nul-in-name",
        "name-too-long",
        "too-few-values",
    ],
)
def test_roster_refuses_a_bad_row_with_a_clear_message(cells, message):
    row = only_row(HEADER + cells + "\n")
    assert any(message in error for error in row.errors), row.errors


def test_roster_quotes_bad_values_back_without_invisible_characters():
    row = only_row(HEADER + "x@example.com,X,ce\u202eo\x00,\n")
    assert "\u202e" not in row.errors[0] and "\x00" not in row.errors[0]
    assert "“ce\ufffdo\ufffd”" in row.errors[0]


def test_roster_names_html_and_templates_are_kept_as_text():
    # Escaping is the page's job: the name is stored as typed.
    row = only_row(HEADER + 'x@example.com,"<svg/onload=alert(1)> {{7*7}}",,\n')
    assert row.errors == () and row.name == "<svg/onload=alert(1)> {{7*7}}"


def test_roster_refuses_every_row_of_a_duplicated_address():
    roster = parse(
        HEADER + "ceo@example.com,Casey,ceo,\ncio@example.com,Chris,cio,\nCEO@example.com,C,ceo,\n"
    )
    first, second, third = roster.rows
    message = "This e-mail address is on lines 2 and 4: keep one row per person."
    assert first.errors == (message,) and third.errors == (message,)
    assert second.errors == ()


def test_roster_line_numbers_count_blank_lines_and_quoted_line_breaks():
    roster = parse(HEADER + '\na@example.com,"Ann\nMulti",,\nb@example.com,Bob,,\n')
    assert [r.line for r in roster.rows] == [3, 5]
    assert "control characters" in roster.rows[0].errors[0]  # a line break inside a name


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "The file is empty"),
        ("\ufeff \n\n", "The file is empty"),
        (HEADER, "The file has a header row but no people."),
        (HEADER + ",,,\n , ,\n", "The file has a header row but no people."),
        (
            "email,name\nx@example.com,X\n",
            "The header row lacks the columns role, permissions. The first row must name "
            "the columns email, name, role, permissions.",
        ),
        ("mail,name,role,permissions\n", "The header row lacks the column email."),
        ("email,name,role,permissions,email\n", "names the column “email” twice"),
        ('email,name,role,permissions\nx@example.com,"' + "n" * 140_000 + '",,\n', "Line 2"),
    ],
    ids=[
        "empty",
        "blank-lines-only",
        "header-only",
        "only-blank-rows",
        "two-columns-missing",
        "email-column-missing",
        "column-twice",
        "field-beyond-the-csv-limit",
    ],
)
def test_roster_refuses_a_file_it_cannot_read_naming_why(text, problem):
    roster = parse(text)
    assert roster.rows == ()
    assert roster.problem is not None and problem in roster.problem


def test_roster_refuses_more_rows_than_the_limit():
    text = HEADER + "".join(f"p{i}@example.com,P {i},,\n" for i in range(4))
    assert parse(text, max_rows=4).problem is None
    text += "p9@example.com,P 9,,\n"
    assert parse(text, max_rows=4).problem == (
        "The file has more than 4 people; split it into smaller files."
    )


# --- comparing with the people stored ------------------------------------------------------------

STORED = {
    "admin@example.com": Stored("Ada Admin", None, ("admin",)),
    "ceo@example.com": Stored("Casey Chief", "ceo", ("committee",)),
    "gone@example.com": Stored("Gone", "cio", (), active=False),
}


def plan(text: str, stored=STORED, actor="admin@example.com"):
    return plan_import(parse(text), stored, actor_email=actor)


def test_plan_new_changed_unchanged_and_error():
    planned = plan(
        HEADER
        + "ceo@example.com,Casey Chief,ceo,committee\n"
        + "new@example.com,New Person,hr,\n"
        + "admin@example.com,Ada Admin,,admin fact_owner\n"
        + "bad,Bad,,\n"
    )
    assert [p.outcome for p in planned] == [
        Outcome.UNCHANGED,
        Outcome.NEW,
        Outcome.CHANGED,
        Outcome.ERROR,
    ]
    assert planned[2].changes == (FieldChange("permissions", "admin", "admin, fact_owner"),)
    assert counts(planned) == {
        Outcome.NEW: 1,
        Outcome.CHANGED: 1,
        Outcome.UNCHANGED: 1,
        Outcome.ERROR: 1,
    }


def test_plan_changes_name_the_fields_with_role_labels():
    (planned,) = plan(HEADER + "ceo@example.com,Casey Chef,cio,\n")
    assert planned.outcome == Outcome.CHANGED
    assert planned.changes == (
        FieldChange("name", "Casey Chief", "Casey Chef"),
        FieldChange("role", "CEO", "CIO"),
        FieldChange("permissions", "committee", "none"),
    )


def test_plan_refuses_taking_away_ones_own_admin_permission():
    stored = {**STORED, "other@example.com": Stored("Other", None, ("admin",))}
    (planned,) = plan(HEADER + "admin@example.com,Ada Admin,,\n", stored)
    assert planned.outcome == Outcome.ERROR
    assert "takes away your own “admin” permission" in planned.errors[0]


def test_plan_refuses_leaving_no_active_administrator():
    stored = {**STORED, "other@example.com": Stored("Other", None, ("admin",))}
    planned = plan(
        HEADER + "admin@example.com,Ada Admin,,\nother@example.com,Other,,\n",
        stored,
        actor="system",
    )
    assert [p.outcome for p in planned] == [Outcome.ERROR, Outcome.ERROR]
    assert all("No active administrator would be left" in p.errors[-1] for p in planned)
    # One of them keeping admin is enough.
    planned = plan(
        HEADER + "admin@example.com,Ada Admin,,admin\nother@example.com,Other,,\n",
        stored,
        actor="system",
    )
    assert [p.outcome for p in planned] == [Outcome.UNCHANGED, Outcome.CHANGED]


def test_plan_refuses_changing_a_deactivated_person_but_not_listing_them():
    assert plan(HEADER + "gone@example.com,Gone,cio,\n")[0].outcome == Outcome.UNCHANGED
    (planned,) = plan(HEADER + "gone@example.com,Gone Again,cio,\n")
    assert planned.outcome == Outcome.ERROR
    assert "deactivated: reactivate them first" in planned.errors[0]


def test_plan_refuses_a_role_change_while_the_person_answers_a_cycle():
    stored = {**STORED, "ceo@example.com": Stored("Casey Chief", "ceo", (), answering="2026-Q4")}
    (planned,) = plan(HEADER + "ceo@example.com,Casey Chief,cio,\n", stored)
    assert planned.outcome == Outcome.ERROR
    assert "answers in cycle 2026-Q4 are asked and reported" in planned.errors[0]
    (planned,) = plan(HEADER + "ceo@example.com,Casey C.,ceo,\n", stored)
    assert planned.outcome == Outcome.CHANGED  # the name may change


def test_plan_of_the_same_file_after_importing_it_is_all_unchanged():
    text = HEADER + "ceo@example.com,Casey Chief,ceo,committee\nnew@example.com,New,hr,\n"
    after = {**STORED, "new@example.com": Stored("New", "hr", ())}
    assert {p.outcome for p in plan(text, after)} == {Outcome.UNCHANGED}


def test_fingerprint_changes_with_the_file_and_with_the_people_stored():
    text = HEADER + "new@example.com,New,hr,\n"
    before = fingerprint(text, plan(text))
    assert fingerprint(text, plan(text)) == before
    assert fingerprint(text + "\n", plan(text)) != before
    meanwhile = {**STORED, "new@example.com": Stored("New", "hr", ())}
    assert fingerprint(text, plan(text, meanwhile)) != before


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("Casey Chief", True),
        ("Zoë O'Brien-Smith", True),
        ("李小龙", True),
        ("Ana 👩‍💼", False),  # the zero-width joiner of the emoji is a format character
        ("Ana 🙂", True),
        ("-12.5", False),
        ("  ", False),
    ],
    ids=["plain", "accents-apostrophe-hyphen", "cjk", "zwj-emoji", "emoji", "negative", "blank"],
)
def test_name_problem(name, ok):
    assert (name_problem(name) is None) is ok

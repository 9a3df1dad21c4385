"""The rule that files a person in a reporting team, and reading a file of email,team."""

import pytest

from training.people.team_rule import (
    COORDINATOR,
    DIRECTORY,
    BadTeamFile,
    Filed,
    TeamLine,
    read_team_file,
    reporting_team,
)

MAP = {"early help hub west": "Family Services", "early help hub east": "Family Services"}


@pytest.mark.parametrize(
    ("department", "current", "filed"),
    [
        # a mapped department reports as its team, whatever the case and spacing
        ("Early Help Hub West", Filed(None, None), Filed("Family Services", DIRECTORY)),
        ("  early  help hub EAST ", Filed(None, None), Filed("Family Services", DIRECTORY)),
        # a department not in the map is its own team (spaces tidied)
        ("Adults  MASH", Filed(None, None), Filed("Adults MASH", DIRECTORY)),
        # the directory replaces what it said before, and what was recorded before it
        ("Adults MASH", Filed("Family Services", DIRECTORY), Filed("Adults MASH", DIRECTORY)),
        ("Adults MASH", Filed("Old Team", None), Filed("Adults MASH", DIRECTORY)),
        # a coordinator's team stands, with or without a department
        (
            "Adults MASH",
            Filed("Probation Service", COORDINATOR),
            Filed("Probation Service", COORDINATOR),
        ),
        (None, Filed("Probation Service", COORDINATOR), Filed("Probation Service", COORDINATOR)),
        # no department: the directory's own team goes, an older team stays
        (None, Filed("Adults MASH", DIRECTORY), Filed(None, None)),
        ("   ", Filed("Adults MASH", DIRECTORY), Filed(None, None)),
        (None, Filed("Family Services", None), Filed("Family Services", None)),
        (None, Filed(None, None), Filed(None, None)),
    ],
)
def test_the_team_a_person_is_filed_in(department, current, filed):
    assert reporting_team(department, MAP, current) == filed


def test_a_long_department_is_cut_to_the_column():
    assert reporting_team("D" * 300, {}, Filed(None, None)).team == "D" * 200


def test_a_file_of_email_and_team_is_read_with_or_without_a_header():
    data = (
        "\ufeffemail,team\r\n"
        "Jo.Bloggs@probation.gov.uk, Probation Service\r\n"
        "\r\n"
        '"sam.khan@mht.nhs.uk","Mental Health Trust, Safeguarding"\r\n'
        "jo.bloggs@probation.gov.uk,probation service\r\n"  # the same again: said once
    ).encode()
    assert read_team_file(data) == [
        TeamLine(2, "jo.bloggs@probation.gov.uk", "Probation Service"),
        TeamLine(4, "sam.khan@mht.nhs.uk", "Mental Health Trust, Safeguarding"),
    ]
    assert read_team_file(b"a@b.gov.uk,Team A\n") == [TeamLine(1, "a@b.gov.uk", "Team A")]


def test_every_bad_line_is_named():
    data = (
        b"email,team\n"
        b"jo.bloggs,Probation Service\n"
        b"sam@mht.nhs.uk,\n"
        b"ann@x.gov.uk,Adults MASH,extra\n"
        b"ann@x.gov.uk,Adults MASH\n"
        b"ann@x.gov.uk,Family Services\n"
        b"ok@x.gov.uk,Fine\n"
    )
    with pytest.raises(BadTeamFile) as bad:
        read_team_file(data)
    assert bad.value.problems == [
        "line 2: 'jo.bloggs' is not an email address",
        "line 3: no team for sam@mht.nhs.uk",
        "line 4: expected 2 columns (email,team), found 3",
        "line 6: ann@x.gov.uk is already on line 5 with another team (Adults MASH)",
    ]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the file has no lines of email,team"),
        (b"email,team\n", "the file has no lines of email,team"),
        (b"\xff\xfe\x00b\x00a\x00d", "The file is not text (UTF-8 CSV)"),
    ],
)
def test_an_empty_or_binary_file_is_refused(data, problem):
    with pytest.raises(BadTeamFile) as bad:
        read_team_file(data)
    assert bad.value.problems[0].startswith(problem)
